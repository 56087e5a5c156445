package dev.sieve.sort;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The near-duplicate groups {@link NearDuplicates#group} found: for each image, its group's representative (the
 * group's smallest id, which is also the group's id) and how many images the group holds.
 */
public final class NearDuplicateGroups {
    private final Map<String, String> representative = new HashMap<>();
    private final Map<String, Integer> size = new HashMap<>();

    NearDuplicateGroups(List<String> ids, List<String> representatives) {
        for (int i = 0; i < ids.size(); i++) {
            representative.put(ids.get(i), representatives.get(i));
            size.merge(representatives.get(i), 1, Integer::sum);
        }
    }

    /** The id of {@code id}'s group: its smallest id; {@code id} itself for an image alone or not given. */
    public String groupOf(String id) {
        return representative.getOrDefault(id, id);
    }

    /** Whether {@code id} is its group's representative (true for an image alone). */
    public boolean isRepresentative(String id) {
        return groupOf(id).equals(id);
    }

    /** How many images {@code id}'s group holds (1 alone). */
    public int sizeOf(String id) {
        return size.getOrDefault(groupOf(id), 1);
    }

    /** The groups of two images or more, each group's ids in id order, groups by their id. */
    public List<List<String>> groups() {
        Map<String, List<String>> byGroup = new LinkedHashMap<>();
        representative.entrySet().stream().sorted(Map.Entry.comparingByValue()).forEach(e -> {
            if (size.get(e.getValue()) > 1) byGroup.computeIfAbsent(e.getValue(), g -> new ArrayList<>()).add(e.getKey());
        });
        List<List<String>> out = new ArrayList<>();
        byGroup.values().forEach(g -> out.add(g.stream().sorted().toList()));
        return out;
    }
}
