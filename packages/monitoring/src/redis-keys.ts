/** Every Redis key the monitor writes, under one prefix. Each has a TTL or a trim. */
export function monitorKeys(prefix = 'advscreen') {
  return {
    window: (scope: string) => `${prefix}:window:${scope}`,
    cooldown: (scope: string) => `${prefix}:cooldown:${scope}`,
    alertBudget: (group: string, period: number) => `${prefix}:alert-budget:${group}:${period}`,
    screened: (scope: string) => `${prefix}:screened:${scope}`,
    daily: (day: string) => `${prefix}:daily:${day}`,
    dailySeen: (day: string) => `${prefix}:daily-seen:${day}`,
  };
}
