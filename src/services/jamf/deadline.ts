import { JamfError, type JamfPro } from './port.js';

/**
 * A Jamf Pro whose whole count (token and both counts, tries included) answers within `ms`, or fails on the `url`
 * field as a timeout. For the connect form: Slack waits 3 seconds for a modal's answer, and field errors can only be
 * given in that answer. Requests still in flight end by their own timeout; their result is ignored.
 */
export function withDeadline(jamf: JamfPro, ms: number): JamfPro {
  return {
    async managedCounts(credentials) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => {
          const host = new URL(credentials.url).host;
          reject(new JamfError('timeout', `${host} did not answer within ${ms / 1000} seconds.`));
        }, ms);
      });
      try {
        return await Promise.race([jamf.managedCounts(credentials), late]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
