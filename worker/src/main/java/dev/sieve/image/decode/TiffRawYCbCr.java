package dev.sieve.image.decode;

import dev.sieve.StageException;
import dev.sieve.image.PillowMode;
import dev.sieve.image.Pixels;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * An uncompressed YCbCr TIFF as Pillow 9.4 reads it: not through libtiff but with its own raw decoder and the raw
 * mode OPEN_INFO gives the key, "RGBX" (an entry meant for libtiff's JPEG path). Chunky data is read four stored
 * bytes a pixel, the fourth dropped; planar data plane by plane with the raw modes "R", "G" and "B"; no conversion,
 * no subsampling. The tiles are TiffImagePlugin's ({@code _setup}): strips of RowsPerStrip rows (tiles of
 * TileWidth x TileLength), wrapping to the top, and to the next plane, past the last; a tile that overhangs the right
 * edge is read with a row stride of {@code TileWidth x 24 / 8} bytes (divided by 3 for a plane), which a chunky
 * "RGBX" row may not fit (Pillow's IMAGING_CODEC_CONFIG). ImageFile.load decodes the tiles in file order, each reading
 * from its offset on, byte counts ignored; a tile the file cannot fill is "image file is truncated", and the status
 * of the last tile decoded is the load's.
 */
final class TiffRawYCbCr {
    private TiffRawYCbCr() {
    }

    /** One of Pillow's tiles: where it reads, what it fills, and the bytes of a row and between rows. */
    private record Tile(int index, long offset, int x0, int y0, int x1, int y1, int plane, long rowBytes,
                        long pitch) {
        long need() {
            return (y1 - y0 - 1) * pitch + rowBytes;
        }

        /** RawDecode's IMAGING_CODEC_CONFIG: a stride shorter than a row. */
        boolean misconfigured() {
            return pitch < rowBytes;
        }
    }

    static Pixels decode(byte[] file, TiffDirectory d) throws StageException {
        int width = (int) d.width();
        int height = (int) d.height();
        TiffDirectory.Segments s = d.segments();
        boolean tiled = s.tileWidth() > 0;
        boolean planar = d.planar() == 2;
        long w = tiled ? s.tileWidth() : width;
        long h = tiled ? s.tileLength() : Math.min(s.rowsPerStrip(), height);
        if (w <= 0 || h <= 0) throw TiffDirectory.corrupt("uncompressed YCbCr TIFF with empty tiles or strips");
        List<Tile> tiles = new ArrayList<>();
        long x = 0;
        long y = 0;
        int plane = 0;
        for (int i = 0; i < s.offsets().length; i++) {
            if (planar && plane > 2) {
                throw TiffDirectory.corrupt("planar YCbCr TIFF with more strips than three planes: Pillow's raw mode"
                        + " for a fourth is \"X\", which it has no unpacker for");
            }
            int x1 = (int) Math.min(x + w, width);
            int y1 = (int) Math.min(y + h, height);
            long stride = x + w > width ? w * 24 / 8 / (planar ? 3 : 1) : 0;
            long rowBytes = (long) (x1 - x) * (planar ? 1 : 4);
            tiles.add(new Tile(i, s.offsets()[i], (int) x, (int) y, x1, y1, planar ? plane : -1, rowBytes,
                    stride > 0 ? stride : rowBytes));
            x += w;
            if (x >= width) {
                x = 0;
                y += h;
                if (y >= height) {
                    y = 0;
                    plane++;
                }
            }
        }
        tiles.sort(Comparator.comparingLong(Tile::offset)); // stable, as Python's sort
        // Every tile is checked in order; of those covering the same pixels, only the last decoded is copied.
        int perPlane = (int) (ceilDiv(width, w) * ceilDiv(height, h));
        Tile[] last = new Tile[perPlane * (planar ? 3 : 1)];
        boolean failed = false;
        for (Tile t : tiles) {
            long left = file.length - t.offset();
            if (left <= 0 || !t.misconfigured() && t.need() > left) {
                throw TiffDirectory.corrupt("uncompressed YCbCr tile at " + t.offset() + ": Pillow reads " + t.need()
                        + " bytes from there (\"RGBX\"), the file has " + Math.max(0, left) + ": truncated");
            }
            failed = t.misconfigured();
            if (!failed) last[(t.index() % perPlane) + (planar ? t.plane() * perPlane : 0)] = t;
        }
        if (failed) {
            throw TiffDirectory.corrupt("uncompressed YCbCr whose last tile overhangs the right edge by more than its"
                    + " row stride holds (Pillow's raw decoder: IMAGING_CODEC_CONFIG)");
        }
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(width, height), 3)];
        for (Tile t : last) {
            if (t == null) continue; // no tile for these pixels: they stay black
            int step = planar ? 1 : 4;
            for (int row = t.y0(); row < t.y1(); row++) {
                long at = t.offset() + (row - t.y0()) * t.pitch();
                for (int col = t.x0(); col < t.x1(); col++, at += step) {
                    int to = (row * width + col) * 3;
                    if (planar) {
                        out[to + t.plane()] = file[(int) at];
                    } else {
                        System.arraycopy(file, (int) at, out, to, 3);
                    }
                }
            }
        }
        return new Pixels(width, height, PillowMode.RGB, out, null);
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
