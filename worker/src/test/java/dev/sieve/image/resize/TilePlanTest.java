package dev.sieve.image.resize;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TilePlanTest {
    private static final int TILE = 672;

    @Test
    void tilesOnlyWhenTheShorterSideIsOverTheTileSize() {
        assertThat(TilePlan.of(672, 5000, TILE, true).tiled()).isFalse();
        assertThat(TilePlan.of(5000, 672, TILE, true).tiled()).isFalse();
        assertThat(TilePlan.of(673, 673, TILE, true).tiled()).isTrue();
    }

    @Test
    void neverTilesWhenTilingIsOff() {
        assertThat(TilePlan.of(3000, 2000, TILE, false)).isEqualTo(new TilePlan(false, 3000, 2000));
    }

    @Test
    void keepsTheSizeWhenTheLongerSideIsAtMost1536() {
        assertThat(TilePlan.of(1536, 700, TILE, true)).isEqualTo(new TilePlan(true, 1536, 700));
        assertThat(TilePlan.of(700, 1000, TILE, true)).isEqualTo(new TilePlan(true, 700, 1000));
    }

    @Test
    void setsTheShorterSideTo1536WhenTheLongerSideIsOver1536EvenIfThatUpscales() {
        assertThat(TilePlan.of(800, 2000, TILE, true)).isEqualTo(new TilePlan(true, 1536, 3840));
        assertThat(TilePlan.of(1537, 700, TILE, true)).isEqualTo(new TilePlan(true, 3372, 1536)); // int(1536*1537/700)
        assertThat(TilePlan.of(4000, 3000, TILE, true)).isEqualTo(new TilePlan(true, 2048, 1536));
    }

    @Test
    void truncatesTheLongSideLikePython() {
        // 1536 * 1700 / 900 = 2901.33 -> 2901; 336 * 1001 / 1000 = 336.336 -> 336
        assertThat(TilePlan.shortestEdge(1700, 900, 1536)).containsExactly(2901, 1536);
        assertThat(TilePlan.shortestEdge(1000, 1001, 336)).containsExactly(336, 336);
        assertThat(TilePlan.shortestEdge(300, 200, 336)).containsExactly(504, 336);
        assertThat(TilePlan.shortestEdge(500, 500, 336)).containsExactly(336, 336);
    }
}
