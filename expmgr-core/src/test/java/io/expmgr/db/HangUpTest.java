package io.expmgr.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.expmgr.ConnectionException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A port where something accepts connections and hangs up (a proxy, a firewall, another service):
 * the message says so, not the driver's "error setting up the SSL connection".
 */
class HangUpTest {
  @ParameterizedTest
  @EnumSource(
      value = Engine.class,
      names = {"MYSQL", "POSTGRES"})
  void aServerThatHangsUpIsNamedAsSuch(Engine engine) throws Exception {
    try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread hangUp =
          new Thread(
              () -> {
                while (!listener.isClosed()) {
                  try (Socket s = listener.accept()) {
                    s.setSoLinger(true, 0); // a reset, as a proxy's
                    // PostgreSQL's client speaks first (its TLS request); MySQL's waits.
                    s.setSoTimeout(300);
                    s.getInputStream().read(new byte[64]);
                  } catch (IOException e) {
                    // closed at the end of the test, or the client went first
                  }
                }
              });
      hangUp.setDaemon(true);
      hangUp.start();
      ConnectionConfig c =
          new ConnectionConfig(
              engine, "nowhere", "127.0.0.1", listener.getLocalPort(), "someone", "pw");
      assertThatThrownBy(() -> Database.open(c, OpenMode.EXISTING))
          .isInstanceOf(ConnectionException.class)
          .hasMessageContaining("127.0.0.1:" + listener.getLocalPort())
          .hasMessageContaining("closed the connection")
          .hasMessageContaining("check --host and --port")
          .hasMessageNotContaining("\n");
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = Engine.class,
      names = {"MYSQL", "POSTGRES"})
  void aServerThatNeverAnswersIsGivenUpOnInTime(Engine engine) throws Exception {
    // Something accepts and stays silent (a MySQL client at a PostgreSQL port waits for a
    // greeting that never comes): the command ends after the connect timeout, not never.
    java.util.List<Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread silent =
          new Thread(
              () -> {
                while (!listener.isClosed()) {
                  try {
                    held.add(listener.accept());
                  } catch (IOException e) {
                    // closed at the end of the test
                  }
                }
              });
      silent.setDaemon(true);
      silent.start();
      ConnectionConfig c =
          new ConnectionConfig(
              engine, "nowhere", "127.0.0.1", listener.getLocalPort(), "someone", "pw");
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> Database.open(c, OpenMode.EXISTING))
          .isInstanceOf(ConnectionException.class)
          .hasMessageContaining("127.0.0.1:" + listener.getLocalPort())
          .hasMessageContaining("check --host and --port")
          .hasMessageNotContaining("\n");
      assertThat((System.nanoTime() - t0) / 1e9).isLessThan(Database.CONNECT_TIMEOUT_SECONDS * 3.0);
    } finally {
      for (Socket s : held) {
        s.close();
      }
    }
  }
}
