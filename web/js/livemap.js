// The map in the page, and when MapLibre starts (issue 15.5): the live map (map.js) or, until
// it starts, the facade in its place (facade.js). MapLibre costs a phone's main thread a
// 1.1 MB module to evaluate and a WebGL frame per change while it loads, and that was the
// whole of the parent view's Total Blocking Time; so on a phone's parent view (page.js
// mapOnUse) the first view shows the facade and MapLibre is asked for on her first use of the
// map: a press, the wheel or the keyboard focus on the map area, 定位我, 在地图上选点, a
// search from a position, a chosen result, a popup, another view; and at once on a wide
// screen, in the other views and for a link that needs the live map (a shared position).
// Never on a timer: what it costs is paid when she asks for the map, not hidden from a
// measurement.
//
// The views talk to a MapView as to the map: it has NestMap's methods. Until the live map is
// there, what they ask is kept: the scene (the catalog, each layer's features, the shown
// layers, which the facade draws), each overlay, the markers, the popup and the last camera
// move; asking for an overlay with something in it, a marker, a popup or a camera move starts
// the live map. Once MapLibre has its sources, the kept state goes to it; once it has drawn
// that (its `idle`) it takes the picture's place (the same picture: the same camera and
// colours), and only then the kept camera move runs, so she sees the move she asked for
// (locate: to her position and the results).
//
// `document.body.dataset.map` says which map shows: 'facade' (the picture; MapLibre not asked
// for), 'loading' (asked for: the picture still shown, with a "loading the map…" note),
// 'live' (the live map took over; `window.nestmap.map` is MapLibre's), 'error' (MapLibre could
// not start: the picture stays, with a note saying so; the lists work without it).

import { Facade } from './facade.js';
import { mapOnUse, PHONE_SCREEN } from './page.js';

/** After the next frame is painted. */
const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

const say = (which) => {
  document.body.dataset.map = which;
};

export class MapView {
  /**
   * @param container element or id of the map's place
   * @param state the state object (state.js), for the live map
   * @param opts NestMap's options (onClick, renderPopup, insets); the facade's clicks go to
   *   `onClick` too
   */
  constructor(container, state, opts) {
    this.container = typeof container === 'string' ? document.getElementById(container) : container;
    this.state = state;
    this.opts = opts;
    this.attached = null; // the NestMap once its sources are there (still under the picture)
    this.live = null; // the NestMap once it has taken the picture's place
    this.facade = null;
    this.scene = { layers: [], data: {}, visible: {} }; // what the page gave the map (facade.js draw)
    this.overlays = new Map(); // overlay source -> its FeatureCollection, until attached
    this.popup = null;
    this.suggestions = null; // setSuggestionMarkers' arguments, until attached
    this.school = null; // setSchoolMarker's arguments, until attached
    this.camera = null; // [method, arguments] of the last camera move, until live
    this.starting = null;
    this.catalog = new Promise((resolve) => (this.gotCatalog = resolve));
    this.handedOver = new Promise((resolve) => (this.settled = resolve)); // live, or failed
    if (mapOnUse()) {
      this.showFacade();
      say('facade');
      // The side panel's layout (a phone turned, a window widened) has no facade.
      const phone = window.matchMedia(PHONE_SCREEN);
      phone.addEventListener('change', () => !phone.matches && this.start());
    } else {
      this.start();
    }
  }

  showFacade() {
    this.facade = new Facade(this.container, { onUse: () => this.start(), onClick: this.opts.onClick });
    this.facade.draw(this.scene); // (once its size is known)
  }

  /** Start the live map (once); resolves when it has taken over, or could not start. */
  start() {
    this.starting ||= this.load();
    return this.starting;
  }

  async load() {
    say('loading');
    this.facade?.setStatus({ key: 'map_loading' });
    let map;
    try {
      const { NestMap } = await import('./map.js');
      map = new NestMap(this.container, this.state, this.opts);
      await map.addLayers(await this.catalog);
    } catch (e) {
      this.fail(e);
      return;
    }
    // Under the picture: the sources are there, the kept state goes to them.
    this.attached = map;
    map.setVisible(this.scene.visible);
    for (const [id, fc] of Object.entries(this.scene.data)) map.setLayerData(id, fc);
    for (const [src, fc] of this.overlays) map.setOverlay(src, fc);
    if (this.suggestions) map.setSuggestionMarkers(...this.suggestions);
    if (this.school) map.setSchoolMarker(...this.school);
    if (this.popup) map.showPopup(this.popup);
    await map.idle();
    // Drawn: the live map takes the picture's place (the keyboard focus with it), then moves.
    const focused = this.facade?.hasFocus();
    this.facade?.remove();
    this.facade = null;
    this.live = map;
    if (focused) map.map.getCanvas().focus();
    const camera = this.camera;
    this.camera = null;
    if (camera) map[camera[0]](...camera[1]);
    say('live');
    this.settled();
  }

  /** MapLibre could not start (no module, no WebGL): the picture stays, saying so. */
  fail(e) {
    console.error('the map could not start', e);
    if (!this.facade) this.showFacade();
    this.facade.setStatus({ key: 'map_failed', error: true });
    say('error');
    this.settled();
  }

  /** MapLibre's map once live, else null. */
  get map() {
    return this.live?.map ?? null;
  }

  // --- the scene: kept, drawn by the facade, given to the live map ---

  /** The catalog (/api/layers): the facade's camera and looks; the live map's sources. */
  async addLayers(layers) {
    this.scene = { ...this.scene, layers };
    this.gotCatalog(layers);
    this.redraw();
  }

  setLayerData(id, fc) {
    this.scene = { ...this.scene, data: { ...this.scene.data, [id]: fc } };
    this.attached?.setLayerData(id, fc);
    this.redraw();
  }

  setVisible(visible) {
    this.scene = { ...this.scene, visible };
    this.attached?.setVisible(visible);
    this.redraw();
  }

  /** The facade drawn once for the changes of this task (a batch of layers is one drawing). */
  redraw() {
    if (!this.facade || this.drawQueued) return;
    this.drawQueued = true;
    queueMicrotask(() => {
      this.drawQueued = false;
      this.facade?.draw(this.scene);
    });
  }

  // --- what only the live map shows: kept until it is there, and starting it ---

  setOverlay(src, fc) {
    if (this.attached) return this.attached.setOverlay(src, fc);
    this.overlays.set(src, fc);
    if (fc?.features?.length) this.start();
  }

  showPopup(sel) {
    if (this.attached) return this.attached.showPopup(sel);
    this.popup = sel;
    if (sel) this.start();
  }

  setSuggestionMarkers(...args) {
    if (this.attached) return this.attached.setSuggestionMarkers(...args);
    this.suggestions = args;
    if (args[0]?.length) this.start();
  }

  setSchoolMarker(...args) {
    if (this.attached) return this.attached.setSchoolMarker(...args);
    this.school = args;
    if (args[0]) this.start();
  }

  /** A camera move (NestMap's frame, flyTo or fitTo): run on the live map, the last one kept till then. */
  move(method, args) {
    if (this.live) return this.live[method](...args);
    this.camera = [method, args];
    this.start();
  }

  frame(...args) {
    return this.move('frame', args);
  }

  flyTo(...args) {
    return this.move('flyTo', args);
  }

  fitTo(...args) {
    return this.move('fitTo', args);
  }

  /** After a language change: MapLibre's strings, or the picture's. */
  setLanguage() {
    this.attached?.setLanguage();
    this.facade?.relabel();
  }

  /**
   * Resolves once what was given to the map is drawn where the page shows the map: in the
   * facade at its next frame; on the live map at its next `idle` (with `justSet`, the data
   * just set holds that `idle` back until it is drawn, so no frame is asked for; a layer
   * hidden again before it came draws nothing, so after 3 s a frame is asked for). Before the
   * live map has taken over (on a wide screen, while it loads), at the hand-over, which waits
   * for everything given before it to be drawn.
   */
  async drawn(justSet = true) {
    if (!this.facade && !this.live) {
      await this.handedOver;
      if (this.facade) await nextFrame();
      return;
    }
    if (this.facade) return nextFrame();
    if (!justSet) return this.live.idle();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.live.idle().then(resolve), 3000);
      this.live.map.once('idle', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
