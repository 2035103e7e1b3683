import type { App } from '@slack/bolt';
import type { Interactions } from '../../commands/types.js';

/** `app_home_opened`: publish the user's Home tab as it is now. */
export function registerHome(app: App, interactions: Interactions): void {
  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home') return;
    await client.views.publish({ user_id: event.user, view: await interactions.home(event.user) });
  });
}
