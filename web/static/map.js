// Projection scales lat/lng to an SVG viewport without map tiles: an
// equirectangular projection (longitudes shrunk by the cosine of the middle
// latitude, so distances look right at city scale) fitted to the points shown.

const DEFAULT_CENTRE = { lat: 28.26, lng: 117.07 }; // Yingtan
const STEP = 0.005; // bounds snap outward to this grid, so small moves do not rescale the map

export class Projection {
  constructor(width, height, margin) {
    this.w = width;
    this.h = height;
    this.m = margin;
    this.fit([]);
  }

  /** fit sets the bounds to hold every {lat, lng} in points. */
  fit(points) {
    let minLat = Infinity, maxLat = -Infinity, minLng = Infinity, maxLng = -Infinity;
    for (const p of points) {
      if (p.lat < minLat) minLat = p.lat;
      if (p.lat > maxLat) maxLat = p.lat;
      if (p.lng < minLng) minLng = p.lng;
      if (p.lng > maxLng) maxLng = p.lng;
    }
    if (!points.length) {
      minLat = maxLat = DEFAULT_CENTRE.lat;
      minLng = maxLng = DEFAULT_CENTRE.lng;
    }
    // at least ~2 km across, snapped outward
    const minSpan = 0.02;
    if (maxLat - minLat < minSpan) { const c = (maxLat + minLat) / 2; minLat = c - minSpan / 2; maxLat = c + minSpan / 2; }
    if (maxLng - minLng < minSpan) { const c = (maxLng + minLng) / 2; minLng = c - minSpan / 2; maxLng = c + minSpan / 2; }
    minLat = Math.floor(minLat / STEP) * STEP; maxLat = Math.ceil(maxLat / STEP) * STEP;
    minLng = Math.floor(minLng / STEP) * STEP; maxLng = Math.ceil(maxLng / STEP) * STEP;
    this.k = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180);
    const spanX = (maxLng - minLng) * this.k;
    const spanY = maxLat - minLat;
    const scale = Math.min((this.w - 2 * this.m) / spanX, (this.h - 2 * this.m) / spanY);
    this.scale = scale;
    // centre the drawing in the viewport
    this.x0 = (this.w - spanX * scale) / 2;
    this.y0 = (this.h - spanY * scale) / 2;
    this.minLng = minLng;
    this.maxLng = maxLng;
    this.minLat = minLat;
    this.maxLat = maxLat;
  }

  /** pxPerKm is how many viewport units one kilometre takes. */
  pxPerKm() { return this.scale / 111.32; }

  /** gridStep is a graticule spacing in degrees giving at most ~24 lines across. */
  gridStep() {
    const span = Math.max(this.maxLng - this.minLng, this.maxLat - this.minLat);
    for (const s of [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5]) if (span / s <= 24) return s;
    return 10;
  }

  /** xy maps a {lat, lng} to viewport coordinates [x, y]. */
  xy(p) {
    return [this.x0 + (p.lng - this.minLng) * this.k * this.scale, this.y0 + (this.maxLat - p.lat) * this.scale];
  }
}
