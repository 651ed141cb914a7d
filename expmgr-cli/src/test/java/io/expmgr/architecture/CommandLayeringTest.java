package io.expmgr.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaAccess;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaConstructor;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Commands only parse, call and print: they reach the capabilities through the library's facade
 * ({@code manager}, {@code api}), so the rules of when to open, snapshot, check versions or create
 * a target are written once, and a Java program gets the same safety as the command line.
 */
class CommandLayeringTest {
  /** The packages whose work the facade starts. */
  private static final Set<String> CAPABILITIES =
      Set.of(
          "io.expmgr.generate",
          "io.expmgr.migrate",
          "io.expmgr.schema",
          "io.expmgr.snapshot",
          "io.expmgr.state",
          "io.expmgr.transfer",
          "io.expmgr.upgrade",
          "io.expmgr.validate");

  /**
   * What describes a connection, which commands build from their options, and what a failed one
   * means, which they turn into an exit code.
   */
  private static final Set<String> CONNECTION_VALUES =
      Set.of(
          "io.expmgr.db.ConnectionConfig",
          "io.expmgr.db.DatabaseUrl",
          "io.expmgr.db.Engine",
          "io.expmgr.db.SslMode",
          "io.expmgr.db.Failures",
          "io.expmgr.db.Failures$Kind");

  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.expmgr");
  }

  @Test
  void commandsOpenNoDatabaseThemselves() {
    noClasses()
        .that()
        .resideInAPackage("io.expmgr.cli..")
        .should()
        .dependOnClassesThat(
            DescribedPredicate.describe(
                "are in io.expmgr.db other than the connection's description",
                (JavaClass c) ->
                    c.getPackageName().startsWith("io.expmgr.db")
                        && !CONNECTION_VALUES.contains(c.getName())))
        .check(classes);
  }

  @Test
  void commandsStartNoCapabilityThemselves() {
    noClasses()
        .that()
        .resideInAPackage("io.expmgr.cli..")
        .should()
        .callCodeUnitWhere(
            DescribedPredicate.describe(
                "it starts a capability's work (a constructor, or a static method given a"
                    + " database) instead of asking io.expmgr.manager",
                (JavaAccess<?> call) -> startsWork(call)))
        .check(classes);
  }

  private static boolean startsWork(JavaAccess<?> call) {
    JavaClass owner = call.getTargetOwner();
    if (!CAPABILITIES.contains(owner.getPackageName())) {
      return false;
    }
    if (owner.isRecord() || owner.isEnum() || isValue(owner)) {
      return false;
    }
    return call.getTarget().resolveMember().map(CommandLayeringTest::startsWork).orElse(false);
  }

  /** A constructor, or a static method given a database (by its connection or opened). */
  private static boolean startsWork(JavaMember member) {
    if (member instanceof JavaConstructor) {
      return true;
    }
    return member.getModifiers().contains(JavaModifier.STATIC)
        && member instanceof JavaCodeUnit unit
        && unit.getRawParameterTypes().stream()
            .anyMatch(
                t ->
                    t.getName().equals("io.expmgr.db.Database")
                        || t.getName().equals("io.expmgr.db.ConnectionConfig"));
  }

  /** Options, rules and formats, which commands build from what they parse. */
  private static boolean isValue(JavaClass c) {
    String n = c.getSimpleName();
    return n.endsWith("Options")
        || n.endsWith("Rules")
        || n.endsWith("Policy")
        || n.endsWith("Json")
        || n.endsWith("Format");
  }
}
