package dev.kmclbridge.conformance;

import org.junit.platform.suite.api.IncludeClassNamePatterns;
import org.junit.platform.suite.api.SelectPackages;
import org.junit.platform.suite.api.Suite;
import org.junit.platform.suite.api.SuiteDisplayName;

/**
 * Runs the shipped conformance suite (main code, package dev.kmclbridge.conformance) against the backend named by
 * the {@code kmcl.backend} system property.
 */
@Suite
@SuiteDisplayName("KMCL conformance suite")
@SelectPackages("dev.kmclbridge.conformance")
@IncludeClassNamePatterns(".*Contract")
public class ConformanceSuiteTest {
}
