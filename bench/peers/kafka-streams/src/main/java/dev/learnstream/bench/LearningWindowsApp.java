// The Kafka Streams reference app of learnstream's benchmark: the same work as
// learnstream's session and weekly-active operators, written the way a Kafka
// Streams user would. Reads the events topic (Avro single-object records,
// C3 01 + CRC-64-AVRO fingerprint of a writer schema from schemas/*.avsc),
// keys by tenant/learner as produced, and computes
//   - per-learner session windows (inactivity gap, grace), emitted once when
//     closed (suppress untilWindowCloses) to the sessions topic;
//   - per-tenant ISO-week active learner counts: distinct learners per week
//     (tumbling week windows per learner, emitted once closed), re-keyed by
//     tenant + week and counted, to the weekly topic.
// learnstream's watermark ticks (header `learnstream-tick`, value = event time,
// key __tick__/<partition>) advance stream time like any record, so the last
// windows close too. Decoding keeps the key, so only the per-tenant count
// goes through a repartition topic. Prints START (before KafkaStreams.start())
// and FIRST (first record decoded, any stream thread), each with the wall
// clock in ms; the bench times from FIRST and reports START → FIRST as startup.
package dev.learnstream.bench;

import java.io.File;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.SessionWindows;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.BuiltInDslStoreSuppliers;
import org.apache.kafka.streams.state.SessionStore;
import org.apache.kafka.common.utils.Bytes;

public final class LearningWindowsApp {
  static final String TICK = "__tick__";

  static boolean isTick(String key) {
    return key != null && key.startsWith(TICK);
  }
  static final long DAY = 86_400_000L;
  /** ISO weeks start on Monday; epoch-aligned 7-day windows start on Thursday: shift by 3 days. */
  static final long WEEK_SHIFT = 3 * DAY;

  /** What the windows need of an event. */
  record Ev(String tenant, int kind, boolean correct, long occurredAt) {}

  /** Session aggregate: counts, active time between close events, bounds. */
  static final class SessionAgg {
    long first = Long.MAX_VALUE;
    long last = Long.MIN_VALUE;
    long activeMs;
    int events;
    int questions;
    int correct;
    String tenant = "";

    SessionAgg add(Ev ev, long idleMs) {
      if (last != Long.MIN_VALUE && ev.occurredAt >= last && ev.occurredAt - last < idleMs) activeMs += ev.occurredAt - last;
      first = Math.min(first, ev.occurredAt);
      last = Math.max(last, ev.occurredAt);
      events++;
      if (ev.kind == 1) {
        questions++;
        if (ev.correct) correct++;
      }
      tenant = ev.tenant;
      return this;
    }

    SessionAgg merge(SessionAgg o) {
      SessionAgg m = new SessionAgg();
      m.first = Math.min(first, o.first);
      m.last = Math.max(last, o.last);
      m.activeMs = activeMs + o.activeMs;
      m.events = events + o.events;
      m.questions = questions + o.questions;
      m.correct = correct + o.correct;
      m.tenant = tenant.isEmpty() ? o.tenant : tenant;
      return m;
    }
  }

  static final Serde<SessionAgg> SESSION_SERDE = Serdes.serdeFrom(
      (Serializer<SessionAgg>) (topic, a) -> {
        byte[] t = a.tenant.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(36 + t.length).putLong(a.first).putLong(a.last).putLong(a.activeMs)
            .putInt(a.events).putInt(a.questions).putInt(a.correct).put(t).array();
      },
      (Deserializer<SessionAgg>) (topic, bytes) -> {
        if (bytes == null) return null;
        ByteBuffer b = ByteBuffer.wrap(bytes);
        SessionAgg a = new SessionAgg();
        a.first = b.getLong();
        a.last = b.getLong();
        a.activeMs = b.getLong();
        a.events = b.getInt();
        a.questions = b.getInt();
        a.correct = b.getInt();
        byte[] t = new byte[b.remaining()];
        b.get(t);
        a.tenant = new String(t, StandardCharsets.UTF_8);
        return a;
      });

  static final Serde<Ev> EV_SERDE = Serdes.serdeFrom(
      (Serializer<Ev>) (topic, e) -> {
        byte[] t = e.tenant.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(13 + t.length).putLong(e.occurredAt).putInt(e.kind).put((byte) (e.correct ? 1 : 0))
            .put(t).array();
      },
      (Deserializer<Ev>) (topic, bytes) -> {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        long at = b.getLong();
        int kind = b.getInt();
        boolean correct = b.get() == 1;
        byte[] t = new byte[b.remaining()];
        b.get(t);
        return new Ev(new String(t, StandardCharsets.UTF_8), kind, correct, at);
      });

  /**
   * Decodes single-object Avro into Ev with event time as the record timestamp; ticks (keyed
   * __tick__/partition) pass as Ev of kind -1. A FixedKeyProcessor: the key is untouched, so the
   * windows downstream need no repartition topic.
   */
  static final class Decode implements FixedKeyProcessor<String, byte[], Ev> {
    private final BinaryMessageDecoder<GenericRecord> decoder;
    private FixedKeyProcessorContext<String, Ev> ctx;
    static long rejected;
    /** Wall clock of the first record any stream thread decoded (0 until then). */
    static final java.util.concurrent.atomic.AtomicLong FIRST = new java.util.concurrent.atomic.AtomicLong();

    Decode(List<Schema> writers) {
      Schema reader = writers.get(writers.size() - 1);
      decoder = new BinaryMessageDecoder<>(GenericData.get(), reader);
      for (Schema w : writers) decoder.addSchema(w);
    }

    @Override
    public void init(FixedKeyProcessorContext<String, Ev> context) {
      ctx = context;
    }

    @Override
    public void process(FixedKeyRecord<String, byte[]> r) {
      if (FIRST.get() == 0) {
        long now = System.currentTimeMillis();
        if (FIRST.compareAndSet(0, now)) System.out.println("FIRST " + now);
      }
      Header tick = r.headers().lastHeader("learnstream-tick");
      if (tick != null) {
        long at = Long.parseLong(new String(r.value(), StandardCharsets.UTF_8));
        ctx.forward(r.withValue(new Ev(TICK, -1, false, at)).withTimestamp(at));
        return;
      }
      GenericRecord ev;
      try {
        ev = decoder.decode(r.value());
      } catch (Exception e) {
        rejected++;
        return;
      }
      GenericRecord body = (GenericRecord) ev.get("body");
      String type = body.getSchema().getName();
      int kind = switch (type) {
        case "Activity" -> 0;
        case "QuestionAttempt" -> 1;
        case "ContentInteraction" -> 2;
        default -> 3;
      };
      boolean correct = kind == 1 && Boolean.TRUE.equals(body.get("correct"));
      long at = (Long) ev.get("occurred_at");
      ctx.forward(r.withValue(new Ev(ev.get("tenant_id").toString(), kind, correct, at)).withTimestamp(at));
    }
  }

  /**
   * The session store: in memory, record cache off by default. A profile of the bench (JFR, 2 stream
   * threads, 200,000 events) had over half of the stream threads' samples in
   * CachingSessionStore.findSessions: the in-memory session store declares 1 ms cache segments, and
   * the caching layer's range scan for each record's session lookup copied and filtered ranges of the
   * thread cache (ThreadCache.range, TreeSet copies, SessionKeySchema.hasNextCondition). The cache
   * buys nothing here: suppress(untilWindowCloses) downstream already emits each session once.
   * `--session-cache on` restores the cached store for comparison.
   */
  static Materialized<String, SessionAgg, SessionStore<Bytes, byte[]>> sessionStore(boolean cached) {
    Materialized<String, SessionAgg, SessionStore<Bytes, byte[]>> m =
        Materialized.<String, SessionAgg, SessionStore<Bytes, byte[]>>with(Serdes.String(), SESSION_SERDE);
    return cached ? m.withCachingEnabled() : m.withCachingDisabled();
  }

  static Map<String, String> args(String[] argv) {
    Map<String, String> out = new HashMap<>();
    for (int i = 0; i + 1 < argv.length; i += 2) out.put(argv[i].replaceFirst("^--", ""), argv[i + 1]);
    return out;
  }

  public static void main(String[] argv) throws Exception {
    Map<String, String> a = args(argv);
    long gap = Long.parseLong(a.getOrDefault("gap-ms", "1800000"));
    long grace = Long.parseLong(a.getOrDefault("grace-ms", "900000"));
    long idle = Long.parseLong(a.getOrDefault("idle-ms", "300000"));
    List<Schema> writers = new java.util.ArrayList<>();
    for (String path : a.get("schemas").split(",")) writers.add(new Schema.Parser().parse(new File(path)));

    StreamsBuilder builder = new StreamsBuilder();
    KStream<String, Ev> events = builder
        .stream(a.get("input"), Consumed.with(Serdes.String(), Serdes.ByteArray()))
        .processValues(() -> new Decode(writers));

    events
        .groupByKey(Grouped.with(Serdes.String(), EV_SERDE))
        .windowedBy(SessionWindows.ofInactivityGapAndGrace(Duration.ofMillis(gap), Duration.ofMillis(grace)))
        .aggregate(SessionAgg::new, (k, ev, agg) -> agg.add(ev, idle), (k, x, y) -> x.merge(y),
            sessionStore(a.getOrDefault("session-cache", "off").equals("on")))
        .suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded()))
        .toStream()
        .filter((wk, s) -> s != null && !isTick(wk.key()))
        .map((wk, s) -> KeyValue.pair(wk.key(), s.tenant + "," + s.first + "," + s.last + "," + (s.activeMs / 1000)
            + "," + s.events + "," + s.questions + "," + s.correct))
        .to(a.get("sessions-out"), Produced.with(Serdes.String(), Serdes.String()));

    events
        .processValues(() -> new FixedKeyProcessor<String, Ev, Ev>() {
          private FixedKeyProcessorContext<String, Ev> ctx;

          @Override
          public void init(FixedKeyProcessorContext<String, Ev> context) {
            ctx = context;
          }

          @Override
          public void process(FixedKeyRecord<String, Ev> r) {
            ctx.forward(r.withTimestamp(r.timestamp() + WEEK_SHIFT));
          }
        })
        .groupByKey(Grouped.with(Serdes.String(), EV_SERDE))
        .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofDays(7), Duration.ofMillis(grace)))
        .aggregate(() -> "", (k, ev, tenant) -> ev.tenant, Materialized.with(Serdes.String(), Serdes.String()))
        .suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded()))
        .toStream()
        .filter((wk, tenant) -> !isTick(wk.key()))
        .map((wk, tenant) -> KeyValue.pair(tenant + "|" + (wk.window().start() - WEEK_SHIFT), "1"))
        .groupByKey(Grouped.with("weekly-by-tenant", Serdes.String(), Serdes.String()))
        .count()
        .toStream()
        .mapValues(String::valueOf)
        .to(a.get("weekly-out"), Produced.with(Serdes.String(), Serdes.String()));

    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, a.get("app-id"));
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, a.get("bootstrap"));
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.parseInt(a.getOrDefault("threads", "1")));
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, Integer.parseInt(a.getOrDefault("commit-ms", "100")));
    p.put(StreamsConfig.STATE_DIR_CONFIG, a.get("state-dir"));
    // Like learnstream, keep window state in memory (no RocksDB).
    p.put(StreamsConfig.DSL_STORE_SUPPLIERS_CLASS_CONFIG, BuiltInDslStoreSuppliers.InMemoryDslStoreSuppliers.class);
    p.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);

    KafkaStreams streams = new KafkaStreams(builder.build(), p);
    CountDownLatch done = new CountDownLatch(1);
    streams.setUncaughtExceptionHandler(e -> {
      System.err.println("ERROR " + e);
      done.countDown();
      return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse
          .SHUTDOWN_CLIENT;
    });
    streams.setStateListener((now, before) -> {
      System.out.println("STATE " + now + " " + System.currentTimeMillis());
      if (now == KafkaStreams.State.NOT_RUNNING || now == KafkaStreams.State.ERROR) done.countDown();
    });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      streams.close(Duration.ofSeconds(10));
      done.countDown();
    }));
    System.out.println("START " + System.currentTimeMillis());
    streams.start();
    done.await();
  }
}
