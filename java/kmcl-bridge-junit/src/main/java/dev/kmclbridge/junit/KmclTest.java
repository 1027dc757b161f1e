package dev.kmclbridge.junit;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a test class whose test methods get a fresh {@link dev.kmclbridge.Kmcl}, its
 * {@link dev.kmclbridge.peer.Peer} and a {@link TestChannels} factory injected as parameters. The backend is
 * chosen by the system property {@code kmcl.backend} (default {@code fake}); everything is closed after each test,
 * and packets the test still holds then are failed and reported ({@link KmclExtension}).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(KmclExtension.class)
@Tag("kmcl")
public @interface KmclTest {
}
