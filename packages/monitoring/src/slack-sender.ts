import { IncomingWebhook } from '@slack/webhook';

/** Where alerts go. A failure throws, so the alert queue retries it with backoff. */
export interface AlertSender {
  send(text: string): Promise<void>;
}

/**
 * @slack/webhook does not retry, not even on HTTP 429: every failure surfaces here and the
 * alert job is retried by the queue, so a Slack outage delays alerts and loses none.
 */
export function createSlackSender(webhookUrl: string): AlertSender {
  const webhook = new IncomingWebhook(webhookUrl, { timeout: 10_000 });
  return {
    async send(text) {
      await webhook.send({ text });
    },
  };
}
