/** Every Redis key the monitor writes, under one prefix. Each has a TTL or a trim. */
export function monitorKeys(prefix = 'advscreen') {
  return {
    window: (scope: string) => `${prefix}:window:${scope}`,
    cooldown: (scope: string) => `${prefix}:cooldown:${scope}`,
    screened: (scope: string) => `${prefix}:screened:${scope}`,
    daily: (day: string) => `${prefix}:daily:${day}`,
    dailySeen: (day: string) => `${prefix}:daily-seen:${day}`,
  };
}
