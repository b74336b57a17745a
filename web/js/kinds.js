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

/**
 * The kind drawn from the server's vector tiles (the streets, roads.js), never fetched as
 * GeoJSON: a city's streets are too many for one answer.
 */
export const TILED_KIND = 'roads';

/** Ids of the layers of `kind`, in catalog order. */
export function idsOfKind(layers, kind) {
  return layers.filter((l) => l.kind === kind).map((l) => l.id);
}

/**
 * The kinds each view draws on the map (issue 15.5: nothing fetched that the view does not
 * show). The parent view draws the lakes too: the facade's picture of its first view shows
 * them (facade.js), and the live map that replaces it must look the same. Entering a view for
 * the first time turns these layers on; a layer whose style says `backdrop` (the Suzhou
 * districts) is context that only the layers view turns on. The layers view (`shell`) turns
 * nothing on: it is where a layer is chosen; opened first, it starts with every layer shown.
 */
export const VIEW_KINDS = {
  parent: ['district', 'water', TILED_KIND, ...PARENT_KINDS],
  planner: ['district', 'townships', 'water', TILED_KIND, 'demand', ...FACILITY_KINDS],
  routes: ['district', 'water', TILED_KIND, 'school_bus_routes', 'school_bus_stops'],
  shell: null,
};

/** Ids of the layers `view` draws (catalog order): its kinds' layers, backdrops aside. */
export function idsOfView(layers, view) {
  const kinds = VIEW_KINDS[view];
  if (!kinds) return layers.map((l) => l.id);
  return layers.filter((l) => kinds.includes(l.kind) && !l.style?.backdrop).map((l) => l.id);
}
