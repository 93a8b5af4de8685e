/** kafkaLag: the ckafka monitors. */
import { ckafka } from '../monitors/ckafka';
import type { FunctionDef } from '../monitors/module';

export const kafkaLag: FunctionDef = { name: 'kafkaLag', monitors: [ckafka] };
