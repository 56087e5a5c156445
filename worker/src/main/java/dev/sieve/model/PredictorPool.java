package dev.sieve.model;

import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.translate.NoopTranslator;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;

/** A model's predictors: DJL's are not thread-safe, so each concurrent call borrows one, and gives it back after. */
final class PredictorPool {
    private final Model model;
    private final ConcurrentLinkedDeque<Predictor<NDList, NDList>> idle = new ConcurrentLinkedDeque<>();
    private final List<Predictor<NDList, NDList>> all = new ArrayList<>();

    PredictorPool(Model model) {
        this.model = model;
    }

    Predictor<NDList, NDList> borrow() {
        Predictor<NDList, NDList> predictor = idle.poll();
        if (predictor != null) return predictor;
        synchronized (all) {
            predictor = model.newPredictor(new NoopTranslator());
            all.add(predictor);
            return predictor;
        }
    }

    void giveBack(Predictor<NDList, NDList> predictor) {
        idle.push(predictor);
    }

    /** Closes every predictor made (the model stays open). */
    void close() {
        synchronized (all) {
            all.forEach(Predictor::close);
            all.clear();
        }
        idle.clear();
    }
}
