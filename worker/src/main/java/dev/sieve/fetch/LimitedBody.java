package dev.sieve.fetch;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Collects a response body up to a byte limit, and stops reading (cancelling the subscription, which closes the
 * connection) as soon as the body goes past it: a server cannot make the worker buffer more than the limit.
 *
 * <p>Nothing is allocated before the gate admits the body: a body waiting for room holds no memory (it used to
 * hold a buffer of its Content-Length from the headers on: sixteen waiting 49 MiB bodies were 784 MiB outside the
 * fetch budget). A body of known length is read into one array of that length and handed over as it is. A body
 * without one is kept as the pieces that arrive, and joined into one array at the end: at that moment it is held
 * twice, which is why it reserves {@link #reservation twice} the limit.
 */
final class LimitedBody implements HttpResponse.BodySubscriber<byte[]> {

    /** The body (or its declared length) is over the limit. */
    static final class TooLargeException extends IOException {
        TooLargeException(String message) {
            super(message);
        }
    }

    private final long limit;
    private final boolean truncate;
    private final long sizeHint;
    /** A body of known length: its array, allocated at the first bytes. */
    private byte[] exact;
    /** A body without a known length (or longer than it said): what has arrived, piece by piece. */
    private final List<byte[]> pieces = new ArrayList<>();
    private long size;
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private final CompletableFuture<Void> admitted;
    private volatile Flow.Subscription subscription;

    /**
     * @param limit       most bytes kept
     * @param truncate    past the limit: true keeps the first {@code limit} bytes and completes (an error page),
     *                    false fails with {@link TooLargeException} (an image)
     * @param sizeHint    Content-Length when known (and within the limit), else -1
     */
    LimitedBody(long limit, boolean truncate, long sizeHint) {
        this(limit, truncate, sizeHint, CompletableFuture.completedFuture(null));
    }

    /** @param admitted reading starts when this completes (a {@link BodyGate}'s answer); failing it fails the body */
    LimitedBody(long limit, boolean truncate, long sizeHint, CompletableFuture<Void> admitted) {
        this.admitted = admitted;
        this.limit = limit;
        this.truncate = truncate;
        this.sizeHint = sizeHint >= 0 && sizeHint <= limit ? sizeHint : -1;
    }

    /**
     * The bytes a body may hold at its peak, for the {@link BodyGate}: its Content-Length, or, without one, twice
     * {@code limit} (the pieces and the array they are joined into, for a moment both).
     */
    static long reservation(long declared, long limit) {
        return declared >= 0 ? declared : 2 * limit;
    }

    /** A body refused before reading any of it, because its Content-Length is already over the limit. */
    static LimitedBody refused(long declared, long limit) {
        return failed(new TooLargeException("Content-Length " + declared + " is over the limit of " + limit + " bytes"));
    }

    /** A body refused on the response's headers: none of it is read, and the exchange fails with {@code why}. */
    static LimitedBody failed(IOException why) {
        LimitedBody body = new LimitedBody(1, false, 0);
        body.result.completeExceptionally(why);
        return body;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        // Nothing is requested before the gate opens, so the connection holds the body (TCP flow control), not us.
        admitted.whenComplete((ok, error) -> {
            if (error != null) result.completeExceptionally(error);
            if (result.isDone()) {
                s.cancel();
            } else {
                s.request(Long.MAX_VALUE);
            }
        });
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
        if (result.isDone()) return;
        for (ByteBuffer item : items) {
            int n = item.remaining();
            long room = limit - size;
            if (n > room) {
                if (truncate) {
                    write(item, (int) room);
                    result.complete(bytes());
                } else {
                    result.completeExceptionally(new TooLargeException(
                            "body is over the limit of " + limit + " bytes (stopped reading at " + (size + n) + ")"));
                    discard();
                }
                subscription.cancel();
                return;
            }
            write(item, n);
        }
    }

    @Override
    public void onError(Throwable error) {
        result.completeExceptionally(error);
        discard();
    }

    @Override
    public void onComplete() {
        result.complete(bytes());
    }

    @Override
    public CompletionStage<byte[]> getBody() {
        return result;
    }

    /** Stops reading: the body fails with {@code why} and the connection is dropped. */
    void abort(Throwable why) {
        result.completeExceptionally(why);
        Flow.Subscription s = subscription;
        if (s != null) s.cancel();
    }

    private void write(ByteBuffer item, int n) {
        if (n == 0) return;
        if (sizeHint >= 0 && exact == null && pieces.isEmpty()) exact = new byte[(int) sizeHint];
        if (exact != null && size + n <= exact.length) {
            item.get(exact, (int) size, n);
        } else {
            byte[] piece = new byte[n];
            item.get(piece);
            pieces.add(piece);
        }
        size += n;
    }

    /** Lets go of what arrived of a failed body at once, not when the exchange is forgotten. */
    private void discard() {
        exact = null;
        pieces.clear();
    }

    /** The body as one array: the exact one when it is full, else the pieces joined (and then let go). */
    private byte[] bytes() {
        if (exact != null && pieces.isEmpty() && size == exact.length) return exact;
        byte[] all = new byte[(int) size];
        int at = 0;
        if (exact != null) {
            at = (int) Math.min(size, exact.length);
            System.arraycopy(exact, 0, all, 0, at);
        }
        for (byte[] piece : pieces) {
            System.arraycopy(piece, 0, all, at, piece.length);
            at += piece.length;
        }
        discard();
        return all;
    }
}
