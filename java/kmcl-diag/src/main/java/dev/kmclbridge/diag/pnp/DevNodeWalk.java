package dev.kmclbridge.diag.pnp;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * Depth-first walk of a device tree given by first-child and next-sibling links (how CfgMgr32 exposes the PnP
 * tree). A node is visited once even if the links loop (a tree changing under the walk), and the walk stops after
 * {@link #MAX_NODES} nodes, so it always ends.
 */
public final class DevNodeWalk {
    /** More device nodes than any machine has; a walk that gets here is following a loop. */
    public static final int MAX_NODES = 1 << 16;

    private DevNodeWalk() {
    }

    /**
     * Every node under and including {@code root}, parents before children, siblings in order; {@code child} and
     * {@code sibling} give a node's first child and next sibling, empty when it has none (or it vanished).
     */
    public static List<Integer> nodes(int root, IntFunction<OptionalInt> child, IntFunction<OptionalInt> sibling) {
        List<Integer> out = new ArrayList<>();
        Set<Integer> seen = new HashSet<>();
        Deque<Integer> next = new ArrayDeque<>();
        next.push(root);
        while (!next.isEmpty() && out.size() < MAX_NODES) {
            int node = next.pop();
            if (!seen.add(node)) {
                continue;
            }
            out.add(node);
            sibling.apply(node).ifPresent(next::push);
            child.apply(node).ifPresent(next::push); // the child's subtree before the sibling's
        }
        return out;
    }
}
