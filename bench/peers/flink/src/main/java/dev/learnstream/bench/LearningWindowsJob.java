// The Flink reference job of learnstream's benchmark: the same work as the
// Kafka Streams app (bench/peers/kafka-streams) and learnstream's session and
// weekly-active operators, written the way a Flink user would, as a DataStream
// job in local execution (a MiniCluster in this JVM, parallelism = cores).
// Reads the events topic from offset 0 to the log end it finds at start
// (a bounded KafkaSource, so the job finishes by itself), decodes the Avro
// single-object records (C3 01 + CRC-64-AVRO fingerprint of a writer schema
// from schemas/*.avsc), and computes
//   - per-learner event-time session windows (inactivity gap; a session lasts
//     at most the cap, a longer run is split as learnstream splits it),
//     emitted once, when final, to the sessions topic;
//   - per-tenant ISO-week distinct active learners: a tumbling week window per
//     learner (one record per learner-week), then per tenant + week a count,
//     each emitted once, when final, to the weekly topic.
// Finality: the watermark trails the highest event time by the grace
// (learnstream's out-of-orderness + allowed lateness), allowed lateness 0, so
// a window fires once when it can no longer change, like learnstream's final
// windows and Kafka Streams' suppress(untilWindowCloses). learnstream's
// watermark ticks (header `learnstream-tick`) advance the watermark and are
// then dropped. Prints START (before execute), FIRST (first record
// deserialised) and DONE, each with the wall clock in ms.
package dev.learnstream.bench;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.assigners.EventTimeSessionWindows;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;

public final class LearningWindowsJob {
  static final long DAY = 86_400_000L;
  /** Epoch-aligned 7-day windows start on Thursday; ISO weeks on Monday, 4 days later. */
  static final Duration WEEK_OFFSET = Duration.ofDays(4);

  /** What the windows need of an event (a Flink POJO: public fields, no-arg constructor). */
  public static final class Ev {
    public String key;
    public String tenant;
    /** 0 activity, 1 question attempt, 2 content interaction, 3 other; -1 a watermark tick. */
    public int kind;
    public boolean correct;
    public long at;

    public Ev() {}

    Ev(String key, String tenant, int kind, boolean correct, long at) {
      this.key = key;
      this.tenant = tenant;
      this.kind = kind;
      this.correct = correct;
      this.at = at;
    }
  }

  /** Wall clock of the first record this JVM deserialised (0 until then). */
  static final AtomicLong FIRST = new AtomicLong();

  /** Keeps the record key; decodes the value with the writer schema its fingerprint names. */
  static final class Decode implements KafkaRecordDeserializationSchema<Ev> {
    private final List<String> schemaTexts;
    private transient BinaryMessageDecoder<GenericRecord> decoder;

    Decode(List<String> schemaTexts) {
      this.schemaTexts = schemaTexts;
    }

    @Override
    public void open(DeserializationSchema.InitializationContext context) {
      List<Schema> writers = new ArrayList<>();
      for (String text : schemaTexts) writers.add(new Schema.Parser().parse(text));
      decoder = new BinaryMessageDecoder<>(GenericData.get(), writers.get(writers.size() - 1));
      for (Schema w : writers) decoder.addSchema(w);
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> r, Collector<Ev> out) {
      if (FIRST.get() == 0) {
        long now = System.currentTimeMillis();
        if (FIRST.compareAndSet(0, now)) System.out.println("FIRST " + now);
      }
      String key = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
      Header tick = r.headers().lastHeader("learnstream-tick");
      if (tick != null) {
        out.collect(new Ev(key, "", -1, false, Long.parseLong(new String(r.value(), StandardCharsets.UTF_8))));
        return;
      }
      GenericRecord ev;
      try {
        ev = decoder.decode(r.value());
      } catch (Exception e) {
        return; // not an event of a known schema: skipped, as the Kafka Streams app skips it
      }
      GenericRecord body = (GenericRecord) ev.get("body");
      int kind = switch (body.getSchema().getName()) {
        case "Activity" -> 0;
        case "QuestionAttempt" -> 1;
        case "ContentInteraction" -> 2;
        default -> 3;
      };
      boolean correct = kind == 1 && Boolean.TRUE.equals(body.get("correct"));
      out.collect(new Ev(key, ev.get("tenant_id").toString(), kind, correct, (Long) ev.get("occurred_at")));
    }

    @Override
    public TypeInformation<Ev> getProducedType() {
      return TypeInformation.of(Ev.class);
    }
  }

  /**
   * A closed gap-session, split into sessions of at most the cap from their first event (as
   * learnstream's session operator splits them), each summarised as
   * tenant,first,last,activeSeconds,events,questions,correct.
   */
  static final class Sessions extends ProcessWindowFunction<Ev, Tuple2<String, String>, String, TimeWindow> {
    private final long capMs;
    private final long idleMs;

    Sessions(long capMs, long idleMs) {
      this.capMs = capMs;
      this.idleMs = idleMs;
    }

    @Override
    public void process(String key, Context ctx, Iterable<Ev> events, Collector<Tuple2<String, String>> out) {
      List<Ev> points = new ArrayList<>();
      for (Ev e : events) points.add(e);
      points.sort(Comparator.comparingLong(e -> e.at));
      int i = 0;
      while (i < points.size()) {
        long first = points.get(i).at;
        long previous = first;
        long activeMs = 0;
        int n = 0;
        int questions = 0;
        int correct = 0;
        String tenant = points.get(i).tenant;
        for (; i < points.size() && points.get(i).at <= first + capMs; i++, n++) {
          Ev e = points.get(i);
          if (n > 0 && e.at - previous < idleMs) activeMs += e.at - previous;
          previous = e.at;
          if (e.kind == 1) {
            questions++;
            if (e.correct) correct++;
          }
        }
        out.collect(Tuple2.of(key, tenant + "," + first + "," + previous + "," + (activeMs / 1000) + "," + n + ","
            + questions + "," + correct));
      }
    }
  }

  /** A learner's tenant for their week window. */
  static final class Tenant implements AggregateFunction<Ev, String, String> {
    @Override
    public String createAccumulator() {
      return "";
    }

    @Override
    public String add(Ev e, String acc) {
      return e.tenant;
    }

    @Override
    public String getResult(String acc) {
      return acc;
    }

    @Override
    public String merge(String a, String b) {
      return a.isEmpty() ? b : a;
    }
  }

  static final class Count implements AggregateFunction<String, Long, Long> {
    @Override
    public Long createAccumulator() {
      return 0L;
    }

    @Override
    public Long add(String v, Long acc) {
      return acc + 1;
    }

    @Override
    public Long getResult(Long acc) {
      return acc;
    }

    @Override
    public Long merge(Long a, Long b) {
      return a + b;
    }
  }

  /** Writes (key, value) pairs as UTF-8 strings to one topic. */
  static KafkaSink<Tuple2<String, String>> sink(String bootstrap, String topic) {
    KafkaRecordSerializationSchema<Tuple2<String, String>> records = (kv, context, timestamp) ->
        new ProducerRecord<>(topic, kv.f0.getBytes(StandardCharsets.UTF_8), kv.f1.getBytes(StandardCharsets.UTF_8));
    return KafkaSink.<Tuple2<String, String>>builder()
        .setBootstrapServers(bootstrap)
        .setRecordSerializer(records)
        .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
        .build();
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
    long cap = Long.parseLong(a.getOrDefault("cap-ms", "14400000"));
    long idle = Long.parseLong(a.getOrDefault("idle-ms", "300000"));
    int parallelism = Integer.parseInt(a.getOrDefault("parallelism", String.valueOf(Runtime.getRuntime().availableProcessors())));
    long checkpointMs = Long.parseLong(a.getOrDefault("checkpoint-ms", "2000"));
    String bootstrap = a.get("bootstrap");
    List<String> schemas = new ArrayList<>();
    for (String path : a.get("schemas").split(",")) schemas.add(Files.readString(new File(path).toPath()));

    Configuration conf = new Configuration();
    // Checkpoints of the in-memory (hashmap) state go to files, as Kafka Streams' state goes to its changelog.
    conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
    conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, new File(a.get("checkpoint-dir")).toURI().toString());
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
    if (checkpointMs > 0) env.enableCheckpointing(checkpointMs);

    KafkaSource<Ev> source = KafkaSource.<Ev>builder()
        .setBootstrapServers(bootstrap)
        .setTopics(a.get("input"))
        .setGroupId(a.get("group"))
        .setStartingOffsets(OffsetsInitializer.earliest())
        .setBounded(OffsetsInitializer.latest())
        .setDeserializer(new Decode(schemas))
        .build();
    DataStream<Ev> all = env.fromSource(source,
        WatermarkStrategy.<Ev>forBoundedOutOfOrderness(Duration.ofMillis(grace)).withTimestampAssigner((e, ts) -> e.at),
        "events");
    DataStream<Ev> events = all.filter(e -> e.kind >= 0).name("drop ticks");

    events
        .keyBy(e -> e.key)
        .window(EventTimeSessionWindows.withGap(Duration.ofMillis(gap)))
        .process(new Sessions(cap, idle))
        .name("sessions")
        .sinkTo(sink(bootstrap, a.get("sessions-out")))
        .name("sessions-out");

    events
        .keyBy(e -> e.key)
        .window(TumblingEventTimeWindows.of(Duration.ofDays(7), WEEK_OFFSET))
        .aggregate(new Tenant(), new ProcessWindowFunction<String, String, String, TimeWindow>() {
          @Override
          public void process(String learner, Context ctx, Iterable<String> tenant, Collector<String> out) {
            out.collect(tenant.iterator().next() + "|" + ctx.window().getStart());
          }
        })
        .name("learner weeks")
        .keyBy(tenantWeek -> tenantWeek)
        .window(TumblingEventTimeWindows.of(Duration.ofDays(7), WEEK_OFFSET))
        .aggregate(new Count(), new ProcessWindowFunction<Long, Tuple2<String, String>, String, TimeWindow>() {
          @Override
          public void process(String tenantWeek, Context ctx, Iterable<Long> count, Collector<Tuple2<String, String>> out) {
            out.collect(Tuple2.of(tenantWeek, String.valueOf(count.iterator().next())));
          }
        })
        .returns(Types.TUPLE(Types.STRING, Types.STRING))
        .name("weekly active")
        .sinkTo(sink(bootstrap, a.get("weekly-out")))
        .name("weekly-out");

    System.out.println("START " + System.currentTimeMillis());
    env.execute("learnstream-bench-flink");
    System.out.println("DONE " + System.currentTimeMillis());
  }
}
