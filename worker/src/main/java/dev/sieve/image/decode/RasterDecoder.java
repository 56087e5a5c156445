package dev.sieve.image.decode;

import dev.sieve.StageException;
import dev.sieve.image.Pixels;

/**
 * A format sieve decodes itself, in two steps so that the size is checked before anything is allocated: {@link #open}
 * reads the header (what Pillow's plugin reads in {@code _open}), {@link Header#decode} the pixels.
 */
interface RasterDecoder {
    Header open(byte[] encoded) throws StageException;

    /** The size Pillow's decompression-bomb check sees, and how to decode the pixels. */
    interface Header {
        long width();

        long height();

        Pixels decode() throws StageException;

        /**
         * Why Pillow raises when the reference's 1536 step resizes this image, or null when it does not: the
         * image's mode in Python (which decides how Image.resize goes) is not the one its pixels decode to.
         */
        default String resizeRefusal() {
            return null;
        }

        static Header of(long width, long height, Decoding decoding) {
            return of(width, height, null, decoding);
        }

        static Header of(long width, long height, String resizeRefusal, Decoding decoding) {
            return new Header() {
                public String resizeRefusal() {
                    return resizeRefusal;
                }

                public long width() {
                    return width;
                }

                public long height() {
                    return height;
                }

                public Pixels decode() throws StageException {
                    return decoding.decode();
                }
            };
        }
    }

    @FunctionalInterface
    interface Decoding {
        Pixels decode() throws StageException;
    }
}
