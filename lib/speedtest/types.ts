/** What a speedtest record carries besides the common fields (filled in by lib/speedtest). */
export interface SpeedDetail {
  provider: string;
}
