import { createAppContext } from '../context.js';
import { SettingsError } from '../settings.js';

// `pnpm create-tier`: creates the tier named by TIER_NAME (default "free"), as the original's
// create_first_tier script did. Safe to run twice.
try {
  const ctx = await createAppContext({ env: { LOG_LEVEL: process.env.LOG_LEVEL ?? 'error' } });
  try {
    const { tier, created } = await ctx.services.tiers.ensure(ctx.settings.TIER_NAME);
    console.log(
      created
        ? `Created tier "${tier.name}" (id ${tier.id}).`
        : `Tier "${tier.name}" already exists (id ${tier.id}).`,
    );
  } finally {
    await ctx.close();
  }
} catch (error) {
  console.error(error instanceof SettingsError ? error.message : (error as Error).message);
  process.exitCode = 1;
}
