package dev.kmclbridge.diag;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code endpoints} over the PnP tree: on a composed sample of a Windows guest's VMBus devices (--pnp-sample), the
 * lsvmbus-like table and its JSON, the JSON read back as a sample, bad samples; and native refused off Windows.
 */
class EndpointsPnpTest {
    private static Path sample() throws URISyntaxException {
        return Path.of(EndpointsPnpTest.class.getResource("/pnp/composed-guest-sample.json").toURI());
    }

    @Test
    void theTableListsEveryVmbusChildWithDriverStateAndKmclbridge() throws Exception {
        Cli.Result r = Cli.fake("endpoints", "--pnp-sample", sample().toString());
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().startsWith("TYPE (CLASS GUID)"), r::toString);
        assertLine(r, "57164f39-9115-4e78-ab55-382f3bd5422d 51f2b7a0-3d49-4b34-94f1-124e47135f52 vmicheartbeat +bound +started +heartbeat");
        assertLine(r, "a9a0f4e7-5a45-4d96-b827-8a841e8c03e6 af078bda-226a-4b0f-bcb9-ae993fd738c8 vmickvpexchange +- +started +key-value data exchange \\(KVP\\)");
        assertLine(r, "f8615163-df3e-46c5-913f-f2d2f965ed0e \\S+ netvsc +bound +started +synthetic network adapter");
        assertLine(r, "0e0b6031-5213-4934-818b-38d90ced39db 2a1a5957-e6b1-41e8-b0c9-f2f5adb30b8a vmicshutdown +- +started +shutdown integration service");
        assertLine(r, "c376c1c3-d276-48d2-90a9-c04748072c60 \\S+ \\(none\\) +- +problem 28 +unknown VMBus device");
        assertLine(r, " +-> problem 28: the drivers for this device are not installed");
        assertLine(r, "9527e630-d0ae-497b-adce-e80ab0175caf \\S+ vmictimesync +- +problem 22 +time synchronization");
        assertLine(r, "ba6163d9-04a1-4d29-b605-72e2ffb1dc7f \\? +storvsc +- +started +synthetic SCSI controller");
        assertLine(r, "34d14be3-dee4-41c8-9ae7-6b174977c192 \\? +\\(none\\) +- +not started +guest services");
        assertLine(r, "\\? +\\? +\\(none\\) +- +not started +a device whose id has no GUID at all");
        assertLine(r, " +-> device id VMBUS\\\\\\{1-2-3-4-5\\}\\\\.* the class part is not a \\{GUID\\}.*");
        assertTrue(!r.out().contains("ROOT\\VMBUS"), "the bus itself is not one of its children: " + r);
        assertLine(r, "9 VMBus devices from recorded sample .*composed-guest-sample.json; kmclbridge bound to 2");
    }

    @Test
    void jsonHoldsEveryFieldAndReadsBackAsTheSameList(@TempDir Path dir) throws Exception {
        Cli.Result first = Cli.fake("endpoints", "--json", "--pnp-sample", sample().toString());
        assertEquals(0, first.code(), first::toString);
        JsonNode devices = first.json().get("devices");
        assertEquals(9, devices.size());
        JsonNode heartbeat = devices.get(0);
        assertEquals("57164f39-9115-4e78-ab55-382f3bd5422d", heartbeat.get("type").asText());
        assertEquals("heartbeat", heartbeat.get("name").asText());
        assertTrue(heartbeat.get("wellKnown").asBoolean());
        assertTrue(heartbeat.get("kmclbridgeBound").asBoolean());
        assertEquals("started", heartbeat.get("state").asText());
        assertEquals("0x0180200a", heartbeat.get("statusFlags").asText());
        JsonNode noDriver = devices.get(4);
        assertEquals(28, noDriver.get("problemCode").asInt());
        assertTrue(noDriver.get("service").isNull());
        assertTrue(devices.get(6).get("instance").isNull());
        assertTrue(devices.get(6).get("idProblem").asText().contains("found 2"));

        Path again = dir.resolve("recorded.json");
        Files.writeString(again, first.out(), StandardCharsets.UTF_8);
        Cli.Result second = Cli.fake("endpoints", "--json", "--pnp-sample", again.toString());
        assertEquals(0, second.code(), second::toString);
        assertEquals(devices, second.json().get("devices"), "the JSON of a listing is a sample that lists the same");
    }

    @Test
    void badSamplesAreBadInputOnOneLine(@TempDir Path dir) throws IOException {
        List<String[]> cases = new ArrayList<>();
        cases.add(new String[] {"{ not json", "not JSON"});
        cases.add(new String[] {"[]", "\"devices\" array"});
        cases.add(new String[] {"{\"devices\": [{\"hardwareIds\": []}]}", "device 1 has no \"instanceId\""});
        cases.add(new String[] {"{\"devices\": [7]}", "device 1 is not an object"});
        cases.add(new String[] {"{\"devices\": [{\"instanceId\": \"VMBUS\\\\x\", \"hardwareIds\": \"VMBUS\\\\x\"}]}",
                "\"hardwareIds\" is not an array"});
        cases.add(new String[] {"{\"devices\": [{\"instanceId\": \"a\", \"upperFilters\": [1]}]}", "non-text entry"});
        cases.add(new String[] {"{\"devices\": [{\"instanceId\": \"a\", \"statusFlags\": \"0xfffffffff\"}]}", "32-bit"});
        cases.add(new String[] {"{\"devices\": [{\"instanceId\": \"a\", \"problemCode\": -1}]}", "32-bit"});
        cases.add(new String[] {"{\"devices\": [{\"instanceId\": \"a\", \"problemCode\": 1.5}]}", "32-bit"});
        cases.add(new String[] {"{\"devices\": [{\"instanceId\": \"a\", \"service\": []}]}", "\"service\" is not text"});
        for (String[] c : cases) {
            Path f = dir.resolve("bad.json");
            Files.writeString(f, c[0], StandardCharsets.UTF_8);
            Cli.Result r = Cli.fake("endpoints", "--pnp-sample", f.toString()).failedOnOneLine(3);
            assertTrue(r.err().contains("--pnp-sample") && r.err().contains(c[1]), c[0] + " -> " + r);
        }
        Cli.fake("endpoints", "--pnp-sample", dir.resolve("missing.json").toString()).failedOnOneLine(3);
    }

    @Test
    void onNativeOffWindowsThePnpTreeIsUnavailable() {
        Cli.Result r = Cli.run("--backend", "native", "endpoints").failedOnOneLine(4);
        assertTrue(r.err().contains("CfgMgr32") && r.err().contains("Windows"), r::toString);
    }

    /** Some stdout line matches {@code regex} in full, the columns' spaces written as " " (one or more). */
    private static void assertLine(Cli.Result r, String regex) {
        Pattern p = Pattern.compile("^" + regex.replace(" ", " +").replace(" + +", " +").replace("++", "+") + "$",
                Pattern.MULTILINE);
        assertTrue(p.matcher(r.out()).find(), () -> "no line matching " + p + " in\n" + r);
    }
}
