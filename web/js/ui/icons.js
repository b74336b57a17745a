// Amenity icons as inline SVG paths (24x24), so no icon font or remote file is needed.

export const AMENITY_ICONS = {
  // a baby on a changing table
  changing_table: ['M3 14h18v2H3z', 'M5 16h2v5H5zM17 16h2v5h-2z', 'M8 10a2 2 0 1 1 0 .01zM11 11h7v2h-7z'],
  // a chair
  nursing_chair: ['M6 3h3v9h8v3H9v6H6z', 'M15 15h3v6h-3z'],
  // a padlock
  lockable_door: ['M7 10V7a5 5 0 0 1 10 0v3h-2V7a3 3 0 0 0-6 0v3z', 'M5 10h14v11H5z'],
  // a tap over a basin
  sink: ['M9 3h6v2h-2v3h-2V5H9z', 'M3 12h18v2a7 7 0 0 1-7 7h-4a7 7 0 0 1-7-7z'],
  // a cup with steam
  hot_water: ['M5 11h11v5a5 5 0 0 1-5 5h-1a5 5 0 0 1-5-5z', 'M16 12h2a2 2 0 0 1 0 4h-2v-1.5h2a.5.5 0 0 0 0-1h-2z', 'M8 3h1.5v6H8zM11.5 3H13v6h-1.5z'],
  // a fridge
  fridge: ['M6 2h12v20H6z', 'M6 9h12v1.5H6z', 'M8 5h1.5v2.5H8zM8 12h1.5v4H8z'],
  // a plug
  power_outlet: ['M8 2h2v5H8zM14 2h2v5h-2z', 'M6 7h12v4a6 6 0 0 1-5 5.9V22h-2v-5.1A6 6 0 0 1 6 11z'],
  // a wheelchair
  step_free: ['M10 2.5a2 2 0 1 1 0 .01z', 'M9 7h2v5h5l3 6-1.8.9L14.8 14H9z', 'M7.5 10.2v2.2A4.5 4.5 0 1 0 13.6 18h2.1A6.5 6.5 0 1 1 7.5 10.2z'],
};

export const PIN = ['M12 2a7 7 0 0 1 7 7c0 5-7 13-7 13S5 14 5 9a7 7 0 0 1 7-7zm0 4.5a2.5 2.5 0 1 0 0 5 2.5 2.5 0 0 0 0-5z'];
export const CROSSHAIR = ['M11 2h2v4h-2zM11 18h2v4h-2zM2 11h4v2H2zM18 11h4v2h-4z', 'M12 7a5 5 0 1 1 0 10 5 5 0 0 1 0-10zm0 2a3 3 0 1 0 0 6 3 3 0 0 0 0-6z'];
