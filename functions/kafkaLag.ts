/** kafkaLag: CKafka consumer-group lag, on a timer. Handler `kafkaLag.main_handler`. */
import { kafkaLag } from '../lib/kafka/function';
import { createHandler } from '../lib/runtime/handler';

export const main_handler = createHandler(kafkaLag);
