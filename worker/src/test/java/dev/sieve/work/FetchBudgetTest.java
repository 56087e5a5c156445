package dev.sieve.work;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class FetchBudgetTest {

    @Test
    void aReservationWaitsUntilEnoughBytesAreGivenBack() {
        FetchBudget budget = new FetchBudget(100);
        assertThat(budget.reserve(70)).isDone();
        CompletableFuture<Void> second = budget.reserve(50);
        assertThat(second).isNotDone();
        assertThat(budget.waiting()).isEqualTo(1);

        budget.release(10);
        assertThat(second).as("40 free, 50 wanted").isNotDone();
        budget.release(60);
        assertThat(second).isDone();
        assertThat(budget.free()).isEqualTo(50);
    }

    @Test
    void firstComeFirstServedSoASmallReservationDoesNotOvertakeALargeOne() {
        FetchBudget budget = new FetchBudget(100);
        budget.reserve(60);
        CompletableFuture<Void> large = budget.reserve(100);
        CompletableFuture<Void> small = budget.reserve(10);
        assertThat(small).as("40 bytes are free, but the large one came first").isNotDone();

        budget.release(60);
        assertThat(large).isDone();
        assertThat(small).isNotDone();
        budget.release(100);
        assertThat(small).isDone();
    }

    @Test
    void aReservationLargerThanTheBudgetTakesTheWholeBudget() {
        FetchBudget budget = new FetchBudget(100);
        assertThat(budget.clamp(1_000)).isEqualTo(100);
        assertThat(budget.reserve(1_000)).isDone();
        assertThat(budget.free()).isZero();
        CompletableFuture<Void> next = budget.reserve(1);
        assertThat(next).isNotDone();
        budget.release(budget.clamp(1_000));
        assertThat(next).isDone();
    }

    @Test
    void manyReservationsGivenBackLeaveTheWholeBudgetFree() {
        FetchBudget budget = new FetchBudget(1_000);
        List<CompletableFuture<Void>> granted = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            long bytes = 1 + (i * 37) % 400;
            granted.add(budget.reserve(bytes).thenRun(() -> budget.release(bytes)));
        }
        assertThat(granted).allMatch(CompletableFuture::isDone);
        assertThat(budget.free()).isEqualTo(1_000);
        assertThat(budget.waiting()).isZero();
    }

    @Test
    void refusesAnEmptyBudget() {
        assertThatThrownBy(() -> new FetchBudget(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
