/** kafkaLag's monitor type: ckafka. */
import type { FunctionDef } from '../monitors/module';
import { ckafkaRunner } from '../monitors/ckafka/runner';

export const kafkaLag = { name: 'kafkaLag', runners: { ckafka: ckafkaRunner } } satisfies FunctionDef;
