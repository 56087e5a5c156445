package dev.sieve.model;

import dev.sieve.avro.CropSettings;
import dev.sieve.avro.EmbeddingPrecision;
import dev.sieve.avro.ImageEmbeddings;
import dev.sieve.avro.ImageRef;
import dev.sieve.image.clip.ClipPreprocessing;
import dev.sieve.image.resize.TilePlan;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link ImageEmbeds} to and from the {@code images.embeddings} record ({@code ImageEmbeddings}): the values as
 * little-endian binary32 or binary16 bytes, with the CLIP's identity and crop settings they depend on.
 */
public final class EmbeddingsRecord {

    /** A tiled image has five crops; nothing else is ever written. */
    private static final int MAX_CROPS = 5;

    private EmbeddingsRecord() {
    }

    /** The record for one scored image. */
    public static ImageEmbeddings of(ImageRef ref, int width, int height, ClipEmbedder clip, boolean tiling,
                                     ImageEmbeds embeds, EmbeddingPrecision precision, Instant at) {
        return of(ref, width, height, clip.id(), clip.digest(), clip.preprocessing(), tiling, embeds, precision, at);
    }

    public static ImageEmbeddings of(ImageRef ref, int width, int height, String clipId, String clipDigest,
                                     ClipPreprocessing preprocessing, boolean tiling, ImageEmbeds embeds,
                                     EmbeddingPrecision precision, Instant at) {
        int dimensions = embeds.crops()[0].length;
        ByteBuffer crops = bytes(embeds.crops(), dimensions, precision);
        ByteBuffer whole = embeds.whole() == null ? null : bytes(new float[][] {embeds.whole()}, dimensions, precision);
        return ImageEmbeddings.newBuilder()
                .setRef(ref).setWidth(width).setHeight(height).setTiled(embeds.tiled())
                .setClipId(clipId).setClipDigest(clipDigest)
                .setPreprocessing(settings(preprocessing, tiling))
                .setPrecision(precision).setDimensions(dimensions).setCropCount(embeds.crops().length)
                .setCrops(crops).setWhole(whole).setEmbeddedAt(at).build();
    }

    static CropSettings settings(ClipPreprocessing p, boolean tiling) {
        List<Float> mean = new ArrayList<>(3);
        List<Float> std = new ArrayList<>(3);
        for (int c = 0; c < 3; c++) {
            mean.add(p.mean()[c]);
            std.add(p.std()[c]);
        }
        return new CropSettings(p.size(), p.tileSize(), TilePlan.MAX_TILING_SIDE, tiling, mean, std);
    }

    private static ByteBuffer bytes(float[][] rows, int dimensions, EmbeddingPrecision precision) {
        int width = bytesPer(precision);
        ByteBuffer out = ByteBuffer.allocate(rows.length * dimensions * width).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] row : rows) {
            if (row.length != dimensions) {
                throw new IllegalArgumentException("embeddings of one image differ in width: " + row.length + " and " + dimensions);
            }
            for (float v : row) {
                if (precision == EmbeddingPrecision.FLOAT16) out.putShort(Half.fromFloat(v));
                else out.putFloat(v);
            }
        }
        return out.flip();
    }

    private static int bytesPer(EmbeddingPrecision precision) {
        return switch (precision) {
            case FLOAT32 -> 4;
            case FLOAT16 -> 2;
            case UNKNOWN_PRECISION -> throw new IllegalArgumentException("no embeddings are written as UNKNOWN_PRECISION");
        };
    }

    /**
     * The embeddings a record holds, widened to float32.
     *
     * @param dimensions the width the heads take; a record of another width is refused
     * @throws IllegalArgumentException when the record is inconsistent (counts, lengths, precision, width): its text
     *                                  says what was expected and found
     */
    public static ImageEmbeds read(ImageEmbeddings record, int dimensions) {
        if (record.getDimensions() != dimensions) {
            throw new IllegalArgumentException("embeddings are " + record.getDimensions() + " wide, the heads take " + dimensions);
        }
        if (record.getPrecision() == EmbeddingPrecision.UNKNOWN_PRECISION) {
            throw new IllegalArgumentException("embeddings in a precision this release does not know");
        }
        int count = record.getCropCount();
        if (count < 1 || count > MAX_CROPS) throw new IllegalArgumentException(count + " crops; an image has 1 to " + MAX_CROPS);
        int width = bytesPer(record.getPrecision());
        float[][] crops = rows(record.getCrops(), count, dimensions, width, "crops");
        float[] whole = record.getWhole() == null ? null : rows(record.getWhole(), 1, dimensions, width, "whole")[0];
        if (record.getTiled() != (whole != null)) {
            throw new IllegalArgumentException((record.getTiled() ? "a tiled image without" : "an untiled image with")
                    + " the untiled crop's embedding");
        }
        return new ImageEmbeds(crops, whole);
    }

    private static float[][] rows(ByteBuffer bytes, int count, int dimensions, int width, String field) {
        ByteBuffer in = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long expected = (long) count * dimensions * width;
        if (in.remaining() != expected) {
            throw new IllegalArgumentException(field + " holds " + in.remaining() + " bytes, " + count + " x " + dimensions
                    + " values need " + expected);
        }
        float[][] rows = new float[count][dimensions];
        for (float[] row : rows) {
            for (int i = 0; i < dimensions; i++) row[i] = width == 2 ? Half.toFloat(in.getShort()) : in.getFloat();
        }
        return rows;
    }
}
