import type { Logger } from './logger.js';
import type { UserService } from './services/users.js';
import type { Settings } from './settings.js';

/**
 * Creates the first superuser from ADMIN_* settings unless a user with that username or email
 * exists already (the original's `create_first_superuser` script, run at start).
 */
export async function seedFirstSuperuser(
  users: UserService,
  settings: Settings,
  logger: Logger,
): Promise<void> {
  const existing =
    (await users.findForLogin(settings.ADMIN_USERNAME)) ??
    (await users.findForLogin(settings.ADMIN_EMAIL));
  if (existing) return;
  try {
    await users.create({
      name: settings.ADMIN_NAME,
      username: settings.ADMIN_USERNAME,
      email: settings.ADMIN_EMAIL,
      password: settings.ADMIN_PASSWORD,
      isSuperuser: true,
    });
    logger.info({ username: settings.ADMIN_USERNAME }, 'created the first superuser');
  } catch (error) {
    // Another instance starting at the same moment may have created it first.
    logger.warn({ err: error }, 'could not create the first superuser');
  }
}
