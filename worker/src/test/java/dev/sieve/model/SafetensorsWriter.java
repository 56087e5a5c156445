package dev.sieve.model;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;

/** Writes float32 safetensors, for tests that need a broken head file. */
final class SafetensorsWriter {

    private SafetensorsWriter() {
    }

    static void write(Path file, Collection<SafetensorsFile.Tensor> tensors) throws IOException {
        SafetensorsFile.write(file, List.copyOf(tensors));
    }
}
