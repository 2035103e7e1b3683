import type { App } from '@slack/bolt';
import type { Interactions } from '../../app/types.js';
import { renderHome } from '../render/message.js';
import { personOf } from './person.js';

/** `app_home_opened`: publish the user's Home tab as it is now. */
export function registerHome(app: App, interactions: Interactions): void {
  app.event('app_home_opened', async ({ event, body, client }) => {
    if (event.tab !== 'home') return;
    const person = personOf(event.user, (event as { user_team?: unknown }).user_team, body.team_id);
    await client.views.publish({ user_id: event.user, view: renderHome(await interactions.home(person)) });
  });
}
