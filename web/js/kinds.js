// Which layers a view uses, chosen by their `kind` (from /api/layers), never by their id: a
// layer added to the catalog with a known kind joins the views that use that kind.

/** The kinds of the parent view's "nearest" chips, in their order. */
export const PARENT_KINDS = ['nursing_rooms', 'service_stations', 'pocket_parks'];

/** The kind whose amenities the parent view filters on (changing table, step-free, ...). */
export const NURSING_ROOMS = 'nursing_rooms';

/** The kinds the planner offers for coverage: places a person walks to. */
export const FACILITY_KINDS = [
  'nursing_rooms', 'child_friendly_communities', 'pocket_parks', 'service_stations', 'generic', 'school_bus_stops',
];

/** Ids of the layers of `kind`, in catalog order. */
export function idsOfKind(layers, kind) {
  return layers.filter((l) => l.kind === kind).map((l) => l.id);
}
