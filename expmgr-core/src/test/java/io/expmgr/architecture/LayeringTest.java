package io.expmgr.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.GeneralCodingRules.ACCESS_STANDARD_STREAMS;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.expmgr.db.Engine;
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
            "io.expmgr.migrate..",
            "io.expmgr.upgrade..",
            "io.expmgr.state..",
            "io.expmgr.manager..")
        .check(classes);
  }

  /** Every package may be understood (and changed) before the ones that use it. */
  @Test
  void packagesHaveNoCycles() {
    slices().matching("io.expmgr.(**)").should().beFreeOfCycles().check(classes);
  }

  /** The public exceptions and the shared helpers depend on nothing of expmgr's but each other. */
  @Test
  void theHelpersDependOnNothingAbove() {
    classes()
        .that()
        .resideInAnyPackage("io.expmgr", "io.expmgr.internal..")
        .should()
        .onlyDependOnClassesThat()
        .resideInAnyPackage(
            "io.expmgr", "io.expmgr.internal..", "java..", "com.sun.nio.file..", "org.slf4j..")
        .check(classes);
  }

  /**
   * Outside {@code db/} no code names an engine or uses an engine's own classes: it asks the
   * dialect what differs, so a new engine is a new dialect and nothing else.
   */
  @Test
  void onlyTheDatabaseLayerNamesAnEngine() {
    noClasses()
        .that()
        .resideOutsideOfPackage("io.expmgr.db..")
        .should()
        .accessField(Engine.class, "SQLITE")
        .orShould()
        .accessField(Engine.class, "MYSQL")
        .orShould()
        .accessField(Engine.class, "POSTGRES")
        .check(classes);
  }

  /**
   * Each engine lives in its own package under {@code db/} ({@code db.sqlite}, {@code db.mysql},
   * {@code db.postgres}), found through {@code META-INF/services}: nothing outside an engine's
   * package uses its classes, and engines do not use each other's.
   */
  @Test
  void onlyAnEnginesOwnPackageUsesItsClasses() {
    noClasses()
        .that()
        .resideOutsideOfPackage("io.expmgr.db.*..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.expmgr.db.*..")
        .check(classes);
    com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices()
        .matching("io.expmgr.db.(*)..")
        .should()
        .notDependOnEachOther()
        .check(classes);
  }

  /**
   * The generic database package branches on no engine: what differs is asked of the dialect. Only
   * the named connection factories ({@code ConnectionConfig.sqlite}, {@code .mysql}) and the
   * snapshot container format (a SQLite file whatever the source engine) name one.
   */
  @Test
  void theGenericDatabasePackageBranchesOnNoEngine() {
    noClasses()
        .that()
        .resideInAPackage("io.expmgr.db")
        .and()
        .doNotHaveSimpleName("Engine")
        .and()
        .doNotHaveSimpleName("ConnectionConfig")
        .and()
        .doNotHaveSimpleName("SqliteFormat")
        .should()
        .accessField(Engine.class, "SQLITE")
        .orShould()
        .accessField(Engine.class, "MYSQL")
        .orShould()
        .accessField(Engine.class, "POSTGRES")
        .check(classes);
  }

  /**
   * Threads are started, pooled and registered for the JVM's exit only through {@code
   * internal.DaemonThreads}: every one is a named daemon, pools end their idle threads, and no
   * blocking work lands on the common fork-join pool.
   */
  @Test
  void threadsAreOwnedInOnePlace() {
    noClasses()
        .that()
        .doNotHaveFullyQualifiedName("io.expmgr.internal.DaemonThreads")
        .should()
        .callConstructor(Thread.class, Runnable.class)
        .orShould()
        .callConstructor(Thread.class, Runnable.class, String.class)
        .orShould()
        .callMethod(
            java.util.concurrent.CompletableFuture.class,
            "supplyAsync",
            java.util.function.Supplier.class)
        .orShould()
        .callMethod(java.util.concurrent.CompletableFuture.class, "runAsync", Runnable.class)
        .orShould()
        .dependOnClassesThat()
        .haveFullyQualifiedName("java.util.concurrent.Executors")
        .orShould()
        .callMethod(Runtime.class, "addShutdownHook", Thread.class)
        .check(classes);
  }
}
