/** What a ckafka record carries besides the common fields (filled in by lib/kafka). */
export interface GroupLagDetail {
  group: string;
}
