/** A 2-D point `[x, y]` in pixel coordinates (x to the right, y down). */
export type Point = [number, number];

/** Four corners of a quadrilateral, clockwise on screen from the top-left corner. */
export type Quad = [Point, Point, Point, Point];

/** An axis-aligned box `[x1, y1, x2, y2]` (left, top, right, bottom), continuous coordinates. */
export type Box = [number, number, number, number];
