package io.expmgr.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.GeneralCodingRules.ACCESS_STANDARD_STREAMS;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Keeps the layering of ARCHITECTURE.md: only the CLI prints, only db/ knows the engine. */
class LayeringTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.expmgr");
  }

  @Test
  void onlyTheCommandLinePrints() {
    noClasses()
        .that()
        .resideOutsideOfPackage("io.expmgr.cli..")
        .should(ACCESS_STANDARD_STREAMS)
        .check(classes);
  }

  @Test
  void onlyTheDatabaseLayerKnowsTheDrivers() {
    noClasses()
        .that()
        .resideOutsideOfPackage("io.expmgr.db..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.sqlite..", "com.mysql..")
        .check(classes);
  }

  @Test
  void theLibraryDoesNotDependOnTheCommandLine() {
    noClasses()
        .that()
        .resideOutsideOfPackage("io.expmgr.cli..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.expmgr.cli..", "picocli..", "me.tongfei..")
        .check(classes);
  }

  @Test
  void theDatabaseLayerSitsAtTheBottom() {
    noClasses()
        .that()
        .resideInAPackage("io.expmgr.db..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.expmgr.api..",
            "io.expmgr.generate..",
            "io.expmgr.schema..",
            "io.expmgr.validate..",
            "io.expmgr.snapshot..",
            "io.expmgr.transfer..",
            "io.expmgr.migrate..")
        .check(classes);
  }
}
