import { type LuaScript, luaScript } from '@kit/internal';
import type { StoreWindow } from '../types.js';
import { SHAPED_MAX_LIMIT, SHAPED_MAX_WINDOWS, shapedFixedWindows } from './lua/fixed-windows.js';

/** What a rule of fixed windows sends, worked out once per windows array. */
export interface FixedShape {
  /** The limits and periods, each read once from the rule: everything below is made from these. */
  limitValues: number[];
  periodValues: number[];
  periods: string;
  limits: string[];
  starts: number[];
  suffixes: string[];
  /** Consumes so far, until the shape is written into a script (`SHAPED_AFTER_USES`). */
  uses: number;
  /** The script written for these limits and periods; `undefined`: the generic one. */
  shaped: LuaScript | undefined;
}

/**
 * Scripts written for a rule's shape, at most, per store. Redis keeps every script it has run
 * until SCRIPT FLUSH (7.0) and processes of one app with the same rules load the same scripts,
 * but rules of made-up limits (a quota per customer, say) would each add one: past this many,
 * and for a rule used fewer than `SHAPED_AFTER_USES` times, the generic script serves.
 */
export const SHAPED_SCRIPTS_MAX = 32;

/** Consumes of a rule before it gets a script of its own: only rules in use are written. */
export const SHAPED_AFTER_USES = 100;

/**
 * The shapes of one store: `shapeOf(windows, dry)` answers the shape of a rule's windows array
 * (the limiter keeps one array per rule), counting the rule's consumes and writing its script
 * at its `shapeAfterUses`th (the store's default: `SHAPED_AFTER_USES`).
 */
export function createShapeBook(
  shapeAfterUses: number,
): (windows: readonly StoreWindow[], dry: boolean) => FixedShape {
  // What a rule's windows send, worked out once per windows array (the limiter keeps one per
  // rule): the packed arguments and, per window, the last window start seen and its key suffix.
  const shapes = new WeakMap<readonly StoreWindow[], FixedShape>();
  const shapedScripts = new Map<string, LuaScript>();
  const newShape = (windows: readonly StoreWindow[]): FixedShape => {
    const limitValues = windows.map((w) => w.limit);
    const periodValues = windows.map((w) => w.periodMs);
    const shape: FixedShape = {
      limitValues,
      periodValues,
      periods: periodValues.join(','),
      limits: limitValues.map(String),
      starts: windows.map(() => -1),
      suffixes: windows.map(() => ''),
      uses: 0,
      shaped: undefined,
    };
    shapes.set(windows, shape);
    return shape;
  };
  // The array's windows now, against those the shape was made of: a window pushed onto the
  // array, or a limit changed in it, makes a new shape rather than go uncounted.
  const sameShape = (shape: FixedShape, windows: readonly StoreWindow[]): boolean => {
    const n = windows.length;
    if (n !== shape.limitValues.length) return false;
    for (let i = 0; i < n; i++) {
      const w = windows[i]!;
      if (w.limit !== shape.limitValues[i] || w.periodMs !== shape.periodValues[i]) return false;
    }
    return true;
  };
  const shapedFor = (shape: FixedShape): LuaScript | undefined => {
    const { limitValues: limits, periodValues: periods } = shape;
    // Written into Lua source, from the copies the shape holds: integers only (a store called
    // from JavaScript may be handed anything), so nothing but digits reaches the script's text.
    const fits =
      limits.length <= SHAPED_MAX_WINDOWS &&
      limits.every((l) => Number.isSafeInteger(l) && l >= 0 && l <= SHAPED_MAX_LIMIT) &&
      periods.every((p) => Number.isSafeInteger(p) && p > 0);
    if (!fits) return undefined;
    const name = `${limits.join(',')}/${periods.join(',')}`;
    let script = shapedScripts.get(name);
    if (script === undefined && shapedScripts.size < SHAPED_SCRIPTS_MAX) {
      script = luaScript(shapedFixedWindows(limits, periods));
      shapedScripts.set(name, script);
    }
    return script;
  };

  return (windows, dry) => {
    let shape = shapes.get(windows);
    if (shape === undefined || !sameShape(shape, windows)) shape = newShape(windows);
    if (!dry && shape.uses < shapeAfterUses && ++shape.uses === shapeAfterUses) {
      shape.shaped = shapedFor(shape);
    }
    return shape;
  };
}
