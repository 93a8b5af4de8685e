/** kafkaLag's monitor type: ckafka. */
import type { FunctionDef } from '../monitors/runner';
import { ckafkaRunner } from './runner';

export const kafkaLag = { name: 'kafkaLag', runners: { ckafka: ckafkaRunner } } satisfies FunctionDef;
