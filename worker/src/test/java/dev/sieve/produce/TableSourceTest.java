package dev.sieve.produce;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TableSourceTest {

    @Test
    void readsCsvWithQuotedCommasQuotesAndLineBreaks() throws IOException {
        String csv = "\uFEFFkey,URL,caption,similarity\r\n"
                + "1,https://example.org/a.jpg,\"a cat, sitting\",0.31\r\n"
                + "2,https://example.org/b.jpg,\"she said \"\"hi\"\"\nand left\",\r\n"
                + "3,,no url,0.2\n";

        List<SourceEntry> entries = collect(RefSource.table(new StringReader(csv), "laion.csv", false, "URL", null));

        assertThat(entries).hasSize(3);
        SourceEntry.Ref a = (SourceEntry.Ref) entries.get(0);
        assertThat(a.uri()).isEqualTo("https://example.org/a.jpg");
        assertThat(a.id()).as("derived from the URI").isNull();
        assertThat(a.attributes()).isEqualTo(Map.of("key", "1", "caption", "a cat, sitting", "similarity", "0.31"));
        SourceEntry.Ref b = (SourceEntry.Ref) entries.get(1);
        assertThat(b.attributes()).as("an empty column is no attribute")
                .isEqualTo(Map.of("key", "2", "caption", "she said \"hi\"\nand left"));
        // The record starts on line 5: the quoted line break of the row before counts as a line.
        assertThat(entries.get(2)).isEqualTo(new SourceEntry.Rejected("laion.csv:5", "no URL"));
    }

    @Test
    void aCsvWithoutTheUrlColumnSaysSoOnce() throws IOException {
        List<SourceEntry> entries = collect(RefSource.table(new StringReader("link,caption\nhttps://x/a.jpg,a\n"), "f.csv",
                false, "url", null));

        assertThat(entries).containsExactly(new SourceEntry.Rejected("f.csv:1", "no column 'url' in the header [link, caption]"));
    }

    @Test
    void readsJsonLinesWithAnIdColumnAndNonStringValues() throws IOException {
        String jsonl = "{\"url\": \"https://example.org/a.jpg\", \"id\": \"img-1\", \"width\": 640, \"nsfw\": false,"
                + " \"tags\": [\"cat\"], \"license\": null}\n"
                + "not json\n"
                + "[1, 2]\n"
                + "\n"
                + "{\"caption\": \"no url\"}\n";

        List<SourceEntry> entries = collect(RefSource.table(new StringReader(jsonl), "refs.jsonl", true, "url", "id"));

        SourceEntry.Ref a = (SourceEntry.Ref) entries.get(0);
        assertThat(a.id()).isEqualTo("img-1");
        assertThat(a.attributes()).isEqualTo(Map.of("width", "640", "nsfw", "false", "tags", "[\"cat\"]"));
        assertThat(entries.get(1)).isInstanceOf(SourceEntry.Rejected.class)
                .extracting(e -> ((SourceEntry.Rejected) e).origin()).isEqualTo("refs.jsonl:2");
        assertThat(((SourceEntry.Rejected) entries.get(2)).reason()).contains("not a JSON object");
        assertThat(entries.get(3)).isEqualTo(new SourceEntry.Rejected("refs.jsonl:5", "no URL"));
        assertThat(entries).hasSize(4);
    }

    @Test
    void boundsRecordsAndAttributes() throws IOException {
        String huge = "x".repeat(TableSource.MAX_RECORD_CHARS + 10);
        String longValue = "é".repeat(AttributeBounds.VALUE_BYTES);
        StringBuilder many = new StringBuilder("{\"url\": \"https://x/c.jpg\"");
        for (int i = 0; i <= AttributeBounds.MAX_ATTRIBUTES; i++) many.append(", \"k").append(i).append("\": \"v\"");
        many.append("}");
        String jsonl = "{\"url\": \"https://x/a.jpg\", \"blob\": \"" + huge + "\"}\n"
                + "{\"url\": \"https://x/b.jpg\", \"long\": \"" + longValue + "\"}\n"
                + many + "\n"
                + "{\"url\": \"https://x/d.jpg\"}\n";

        List<SourceEntry> entries = collect(RefSource.table(new StringReader(jsonl), "big.jsonl", true, "url", null));

        assertThat(entries.get(0)).isEqualTo(new SourceEntry.Rejected("big.jsonl:1",
                "a record of more than " + TableSource.MAX_RECORD_CHARS + " characters"));
        String cut = ((SourceEntry.Ref) entries.get(1)).attributes().get("long");
        assertThat(cut.getBytes(java.nio.charset.StandardCharsets.UTF_8).length).isLessThanOrEqualTo(AttributeBounds.VALUE_BYTES);
        assertThat(cut).endsWith("…[cut: " + 2 * AttributeBounds.VALUE_BYTES + " bytes]");
        assertThat(entries.get(2)).isEqualTo(new SourceEntry.Rejected("big.jsonl:3",
                "more than " + AttributeBounds.MAX_ATTRIBUTES + " attributes"));
        assertThat(((SourceEntry.Ref) entries.get(3)).uri()).isEqualTo("https://x/d.jpg");
    }

    private static List<SourceEntry> collect(RefSource source) throws IOException {
        List<SourceEntry> out = new ArrayList<>();
        source.forEach(out::add);
        return out;
    }
}
