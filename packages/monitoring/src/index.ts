export { formatAlertText } from './alert-message.ts';
export {
  ALERT_SIGNIFICANCE,
  AttackWindows,
  poissonTail,
  unusualCount,
  type WindowOutcome,
  type WindowRule,
} from './attack-window.ts';
export { CLOUDWATCH_NAMESPACE, type EmfDocument, queueDepthEmf } from './cloudwatch-emf.ts';
export { buildDayReport, type DayReport, formatDailyReport, lastDays } from './daily-report.ts';
export { DailyStats, MAX_COUNTER_FIELDS_PER_DAY, OTHER_SOURCES, utcDay } from './daily-stats.ts';
export { type FleetSnapshot, formatPrometheusMetrics } from './prometheus.ts';
export { monitorKeys } from './redis-keys.ts';
export { type AlertSender, createSlackSender } from './slack-sender.ts';
