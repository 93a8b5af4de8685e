/** kafkaLag: CKafka consumer-group lag, on a timer. Handler `kafkaLag.main_handler`. */
import { kafkaLag } from '../lib/functions/kafkaLag';
import { createHandler } from '../lib/runtime/handler';

export const main_handler = createHandler(kafkaLag);
