package dev.kmclbridge.diag.pnp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.kmclbridge.diag.AsciiNumbers;
import dev.kmclbridge.diag.DiagFailure;
import dev.kmclbridge.diag.EchoedText;
import dev.kmclbridge.diag.InputFiles;
import dev.kmclbridge.diag.JsonOutput;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * VMBus devices recorded elsewhere, read from a JSON file: the output of {@code kmcl-diag endpoints --json} on a
 * Windows VM ({@code {"devices": [{"instanceId": ..., "hardwareIds": [...], ...}]}}). Only the fields of a
 * {@link PnpDeviceRecord} are read (the derived ones are computed again); {@code instanceId} is required, the lists
 * default to empty, {@code statusFlags} is a number or "0x" hex. Anything else is bad input naming the device.
 */
public final class RecordedVmbusDeviceSource implements VmbusDeviceSource {
    /** The largest sample file read. */
    public static final int MAX_BYTES = 16 * 1024 * 1024;

    private final String what;
    private final Path file;

    /** The sample {@code file}; {@code what} names it in messages ("--pnp-sample"). */
    public RecordedVmbusDeviceSource(String what, Path file) {
        this.what = what;
        this.file = file;
    }

    @Override
    public String origin() {
        return "recorded sample " + file;
    }

    @Override
    public List<PnpDeviceRecord> devices() {
        String text = new String(InputFiles.readBytes(what, file, MAX_BYTES, "16 MiB"), StandardCharsets.UTF_8);
        return parse(text).stream().filter(d -> VmbusDeviceId.isVmbusChild(d.instanceId())).toList();
    }

    /** The records of a sample's text, VMBus children or not. */
    List<PnpDeviceRecord> parse(String text) {
        JsonNode root;
        try {
            root = JsonOutput.mapper().readTree(text);
        } catch (JsonProcessingException e) {
            throw bad("not JSON (" + e.getOriginalMessage() + ")");
        }
        if (root == null || !root.path("devices").isArray()) {
            throw bad("expected an object with a \"devices\" array");
        }
        List<PnpDeviceRecord> out = new ArrayList<>();
        int n = 0;
        for (JsonNode d : root.get("devices")) {
            n++;
            out.add(record(d, "device " + n));
        }
        return out;
    }

    private PnpDeviceRecord record(JsonNode d, String which) {
        if (!d.isObject()) {
            throw bad(which + " is not an object");
        }
        JsonNode id = d.get("instanceId");
        if (id == null || !id.isTextual()) {
            throw bad(which + " has no \"instanceId\" text");
        }
        which = which + " (" + EchoedText.quote(id.asText()) + ")";
        return new PnpDeviceRecord(id.asText(), strings(d, "hardwareIds", which), strings(d, "compatibleIds", which),
                text(d, "description", which), text(d, "service", which), strings(d, "upperFilters", which),
                strings(d, "lowerFilters", which), (int) number(d, "statusFlags", which), (int) number(d, "problemCode", which));
    }

    private List<String> strings(JsonNode d, String field, String which) {
        JsonNode v = d.get(field);
        if (v == null || v.isNull()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        if (v.isArray()) {
            for (JsonNode s : v) {
                if (!s.isTextual()) {
                    throw bad(which + ": \"" + field + "\" holds a non-text entry");
                }
                out.add(s.asText());
            }
            return out;
        }
        throw bad(which + ": \"" + field + "\" is not an array of text");
    }

    private Optional<String> text(JsonNode d, String field, String which) {
        JsonNode v = d.get(field);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isTextual()) {
            throw bad(which + ": \"" + field + "\" is not text");
        }
        return Optional.of(v.asText());
    }

    /** A field holding a 32-bit unsigned number, as a JSON number or a "0x" hex text; 0 when absent. */
    private long number(JsonNode d, String field, String which) {
        JsonNode v = d.get(field);
        OptionalLong n = v == null || v.isNull() ? OptionalLong.of(0)
                : v.isIntegralNumber() && v.canConvertToLong() ? OptionalLong.of(v.asLong())
                : v.isTextual() ? AsciiNumbers.integerOrHex(v.asText()) : OptionalLong.empty();
        if (n.isEmpty() || n.getAsLong() < 0 || n.getAsLong() > 0xFFFF_FFFFL) {
            throw bad(which + ": \"" + field + "\" is not a 32-bit unsigned number");
        }
        return n.getAsLong();
    }

    private DiagFailure bad(String reason) {
        return DiagFailure.badInput(what + ": " + file + ": " + reason);
    }
}
