import { z } from 'zod';

const emptyToUndefined = (value: unknown) => (value === '' ? undefined : value);
const optionalText = z.preprocess(emptyToUndefined, z.string().optional());

/**
 * The original's `AppSettings`, feeding the OpenAPI `info` object (FastAPI's `title`,
 * `description`, `version`, `contact` and `license_info`). OpenAPI requires a title and a
 * version, so those two have defaults here where the original had none.
 */
export const appInfoSettings = {
  APP_NAME: z.preprocess(emptyToUndefined, z.string().default('Kit example API')),
  APP_DESCRIPTION: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .default(
        'The FastAPI boilerplate API on Node, rate limited by @kit/rate-limiter and cached by @kit/cache.',
      ),
  ),
  APP_VERSION: z.preprocess(emptyToUndefined, z.string().default('0.1.0')),
  CONTACT_NAME: optionalText,
  CONTACT_EMAIL: z.preprocess(emptyToUndefined, z.email().optional()),
  /** The license's name, as the original's `LICENSE` (its `LICENSE_NAME`). */
  LICENSE: optionalText,
};

/** The OpenAPI `info` object from the settings, leaving out contact and license when unset. */
export function openApiInfo(settings: {
  APP_NAME: string;
  APP_DESCRIPTION: string;
  APP_VERSION: string;
  CONTACT_NAME?: string | undefined;
  CONTACT_EMAIL?: string | undefined;
  LICENSE?: string | undefined;
}) {
  const contact: { name?: string; email?: string } = {};
  if (settings.CONTACT_NAME) contact.name = settings.CONTACT_NAME;
  if (settings.CONTACT_EMAIL) contact.email = settings.CONTACT_EMAIL;
  return {
    title: settings.APP_NAME,
    description: settings.APP_DESCRIPTION,
    version: settings.APP_VERSION,
    ...(Object.keys(contact).length > 0 ? { contact } : {}),
    ...(settings.LICENSE ? { license: { name: settings.LICENSE } } : {}),
  };
}
