package dev.sieve.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.djl.Device;
import dev.sieve.avro.CropCombine;
import dev.sieve.avro.HeadScore;
import dev.sieve.image.PreparedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker's scorer picks up a new head revision from its heads folder without a restart: v0.1 scores, a v0.2 pair
 * (perturbed weights) is written and renamed into the folder, the next batches carry v0.2 and its scores; a corrupt v0.3
 * is refused and v0.2 stays. The watch's rescan is an hour, so the change events alone bring the new file.
 */
class HeadWatcherTest {
    private static final String BINARY = "TestAnime-Binary";

    @TempDir
    Path heads;

    private static PreparedImage image() {
        Random random = new Random(7);
        float[] crop = new float[3 * 336 * 336];
        for (int i = 0; i < crop.length; i++) crop[i] = (float) (random.nextGaussian() * 0.8);
        return new PreparedImage(500, 400, false, 1, crop, null, 10, 20);
    }

    private static HeadScore binary(ReloadingScorer scorer, PreparedImage image) throws Exception {
        return scorer.score(List.of(image)).get(0).heads().stream().filter(h -> h.getName().startsWith(BINARY)).findFirst().orElseThrow();
    }

    /** The fixture's weights with the last bias shifted (so the scores change), written then renamed into the folder. */
    private void writeRevision(String revision, boolean corrupt) throws Exception {
        Path source = ModelFixtures.head(BINARY + "-v0.1");
        String name = BINARY + "-" + revision;
        Path tmp = Files.createTempFile(heads.getParent(), "head", ".tmp");
        List<SafetensorsFile.Tensor> tensors = new ArrayList<>();
        for (SafetensorsFile.Tensor t : SafetensorsFile.read(source).tensors().values()) {
            float[] v = t.values().clone();
            if (t.name().equals("down.5.bias")) { v[0] += 1.5f; v[1] -= 1.5f; }
            tensors.add(new SafetensorsFile.Tensor(t.name(), t.dtype(), t.shape(), v));
        }
        SafetensorsWriter.write(tmp, tensors);
        if (corrupt) {
            byte[] bytes = Files.readAllBytes(tmp);
            Files.write(tmp, java.util.Arrays.copyOf(bytes, bytes.length / 2)); // cut short: a copy that died half-way
        }
        String config = Files.readString(source.resolveSibling(BINARY + "-v0.1.config.json")).replace("\"v0.1\"", "\"" + revision + "\"");
        Files.writeString(heads.resolve(name + ".config.json"), config);
        Files.move(tmp, heads.resolve(name + ".safetensors"), StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    void theNextBatchesCarryANewRevisionAndACorruptOneIsRefused() throws Exception {
        for (String head : List.of(BINARY + "-v0.1", "TestAnime-Triple-v0.2")) {
            Path weights = ModelFixtures.head(head);
            Files.copy(weights, heads.resolve(weights.getFileName()));
            Files.copy(weights.resolveSibling(head + ".config.json"), heads.resolve(head + ".config.json"));
        }
        List<HeadWatcher.Reload> reloads = new CopyOnWriteArrayList<>();
        PreparedImage image = image();
        ClipEmbedder clip = ClipEmbedder.load(ModelFixtures.clip336(), Device.cpu());
        List<CityHead> loaded = HeadFolder.loadNewest(heads, Device.cpu(), System.out);
        try (ReloadingScorer scorer = new ReloadingScorer(new Scorer(clip, loaded, CropCombine.MEAN, Map.of(BINARY + "-v0.1", CropCombine.MAX)),
                CropCombine.MEAN, Map.of(BINARY + "-v0.1", CropCombine.MAX));
             HeadWatcher watcher = HeadWatcher.start(heads, Device.cpu(), scorer, Duration.ofHours(1), reloads::add)) {
            HeadScore v1 = binary(scorer, image);
            assertThat(v1.getRevision()).isEqualTo("v0.1");

            writeRevision("v0.2", false);
            await().atMost(Duration.ofSeconds(60)).until(() -> binary(scorer, image).getRevision().equals("v0.2"));
            HeadScore v2 = binary(scorer, image);
            assertThat(v2.getName()).isEqualTo(BINARY + "-v0.2");
            try (CityHead alone = CityHead.load(heads.resolve(BINARY + "-v0.2.safetensors"), Device.cpu());
                 Scorer reference = new Scorer(ClipEmbedder.load(ModelFixtures.clip336(), Device.cpu()), List.of(alone), CropCombine.MEAN)) {
                double expected = reference.score(List.of(image)).get(0).heads().get(0).getLabels().get(0).getProbability();
                assertThat(v2.getLabels().get(0).getProbability()).as("v0.2's own weights score").isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-6));
            }
            assertThat(v2.getLabels().get(0).getProbability()).as("the shifted bias changed the score")
                    .isNotCloseTo(v1.getLabels().get(0).getProbability(), org.assertj.core.data.Offset.offset(1e-3));
            assertThat(scorer.heads()).extracting(CityHead::name).containsExactly(BINARY + "-v0.2", "TestAnime-Triple-v0.2");
            assertThat(reloads).singleElement().satisfies(r -> {
                assertThat(r.result()).isEqualTo(HeadWatcher.Result.LOADED);
                assertThat(r.head()).isEqualTo(BINARY + "-v0.2");
            });

            writeRevision("v0.3", true);
            await().atMost(Duration.ofSeconds(60)).until(() -> reloads.size() == 2);
            assertThat(reloads.get(1).result()).isEqualTo(HeadWatcher.Result.FAILED);
            assertThat(reloads.get(1).file()).hasFileName(BINARY + "-v0.3.safetensors");
            assertThat(binary(scorer, image).getRevision()).as("v0.2 stays").isEqualTo("v0.2");
            watcher.rescan();
            assertThat(reloads).as("a refused file is not tried again until it changes").hasSize(2);

            // A restart loads the newest revision that loads: v0.2, not the corrupt v0.3.
            List<CityHead> restart = HeadFolder.loadNewest(heads, Device.cpu(), System.out);
            try {
                assertThat(restart).extracting(CityHead::name).containsExactly(BINARY + "-v0.2", "TestAnime-Triple-v0.2");
            } finally {
                restart.forEach(CityHead::close);
            }
        }
    }
}
