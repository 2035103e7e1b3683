import { z } from 'zod';
import { type Identity, TEAM_ID } from '../../domain/identity.js';

const TeamId = z.string().regex(TEAM_ID);

/** The team of a payload that names none in a form Slack uses: no role, admin or owner matches it (SPEC §11). */
const UNKNOWN_TEAM = '';

/**
 * The person a Slack payload comes from: their user id and their own team, the first of `teams` that is a team id
 * (Slack Connect users carry their workspace in `user.team_id`, not in the payload's `team`).
 */
export function personOf(userId: string, ...teams: unknown[]): Identity {
  for (const team of teams) {
    const parsed = TeamId.safeParse(team);
    if (parsed.success) return { teamId: parsed.data, userId };
  }
  return { teamId: UNKNOWN_TEAM, userId };
}
