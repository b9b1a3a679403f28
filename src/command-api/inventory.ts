/**
 * The inventory operations commands use, through the command API: commands depend on the command API, the domain
 * and the message model only, so what they need of the inventory rules is handed over here, in one place.
 */
export {
  checkOverlap,
  countTargets,
  describeOverlap,
  makeEntry,
  watchedFilter,
} from '../inventory/inventory.ts';
export { defaultMaxPrefix } from '../inventory/parse-target.ts';
