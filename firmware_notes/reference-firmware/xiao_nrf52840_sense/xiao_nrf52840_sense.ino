// backmon reference firmware: Seeed Studio XIAO nRF52840 Sense (on-board LSM6DS3TR-C IMU).
//
// Implements firmware_notes/backmon-gatt-profile.md, format version 1, exactly:
//   service e1a30001-1273-41d7-9ddb-9aeb1e2c3469
//   data    e1a30002-1273-41d7-9ddb-9aeb1e2c3469  notify: data packets
//   control e1a30003-1273-41d7-9ddb-9aeb1e2c3469  write:  00 stop, 01 <u16 Hz> start, 02 <ranges> ranges
//   info    e1a30004-1273-41d7-9ddb-9aeb1e2c3469  read:   version, ranges, flags, rates
//   haptic  e1a30005-1273-41d7-9ddb-9aeb1e2c3469  write:  N, N x (u16 on ms, u16 off ms) vibration
//   plus the SIG Battery Service (0x180F / 0x2A19) and Device Information (0x180A).
//
// Vibration motor (optional, firmware_notes/haptics.md): a coin motor switched by a logic-level
// N-MOSFET whose gate is on pin D2 (P0.28), with a flyback diode across the motor. Without
// one wired, the patterns simply drive an unconnected pin.
//
// Build: Arduino IDE or arduino-cli with the "Seeed nRF52 Boards" core (the non-mbed one, which
// carries Adafruit's Bluefruit library), board "Seeed XIAO nRF52840 Sense", and the library
// "Seeed Arduino LSM6DS3". Set NAME below to "backmon-L" or "backmon-R" for each board.
//
// Timing: the board samples on a grid of its microsecond timer (the IMU runs at 416 Hz, and the
// latest output is read at each grid point), stamps each packet with the grid time of its first
// sample, and starts a new packet whenever a grid point had to be skipped, so that the time of
// every sample stays first-sample time + k * period. Not compiled in backmon's CI (no toolchain
// there): if your core's API differs, keep the bytes on the air as the specification says.

#include <Arduino.h>
#include <bluefruit.h>
#include <LSM6DS3.h>
#include <Wire.h>

static const char NAME[] = "backmon-L";

// UUIDs, least significant byte first (Bluefruit's order); the strings are in the header above.
static const uint8_t UUID_SERVICE[16] = {0x69, 0x34, 0x2c, 0x1e, 0xeb, 0x9a, 0xdb, 0x9d,
                                         0xd7, 0x41, 0x73, 0x12, 0x01, 0x00, 0xa3, 0xe1};
static const uint8_t UUID_DATA[16] = {0x69, 0x34, 0x2c, 0x1e, 0xeb, 0x9a, 0xdb, 0x9d,
                                      0xd7, 0x41, 0x73, 0x12, 0x02, 0x00, 0xa3, 0xe1};
static const uint8_t UUID_CONTROL[16] = {0x69, 0x34, 0x2c, 0x1e, 0xeb, 0x9a, 0xdb, 0x9d,
                                         0xd7, 0x41, 0x73, 0x12, 0x03, 0x00, 0xa3, 0xe1};
static const uint8_t UUID_INFO[16] = {0x69, 0x34, 0x2c, 0x1e, 0xeb, 0x9a, 0xdb, 0x9d,
                                      0xd7, 0x41, 0x73, 0x12, 0x04, 0x00, 0xa3, 0xe1};
static const uint8_t UUID_HAPTIC[16] = {0x69, 0x34, 0x2c, 0x1e, 0xeb, 0x9a, 0xdb, 0x9d,
                                        0xd7, 0x41, 0x73, 0x12, 0x05, 0x00, 0xa3, 0xe1};

// ---- format constants (backmon-gatt-profile.md) -------------------------------------------
static const uint8_t FORMAT_VERSION = 1;
static const uint8_t CTRL_STOP = 0x00, CTRL_START = 0x01, CTRL_SET_RANGES = 0x02;
static const uint8_t HEADER_LEN = 16, SAMPLE_LEN = 12, MAX_SAMPLES = 19;  // 16 + 19 * 12 = 244
static const uint32_t BATCH_AGE_US = 40000;  // send when full or when the oldest sample is 40 ms old
static const uint16_t RATES_HZ[] = {26, 52, 104, 208};
static const uint8_t N_RATES = sizeof(RATES_HZ) / sizeof(RATES_HZ[0]);
static const uint8_t ACCEL_CODE = 1;  // +-4 g   (code table in the specification)
static const uint8_t GYRO_CODE = 2;   // +-500 deg/s
static const uint8_t RANGES = ACCEL_CODE | (GYRO_CODE << 4);  // 0x21
// Haptic writes: N pulses (0 stops), each on 20-1000 ms then off 0-1000 ms; 1 + 4 * 4 = 17 bytes.
static const uint16_t MAX_PULSES = 4, MIN_ON_MS = 20, MAX_ON_MS = 1000, MAX_OFF_MS = 1000;
static const uint8_t MOTOR_PIN = 2;  // D2 = P0.28: the MOSFET's gate (haptics.md)

// ---- IMU (ST LSM6DS3TR-C datasheet: registers, sensitivities) -----------------------------
static const uint8_t REG_CTRL1_XL = 0x10, REG_CTRL2_G = 0x11, REG_CTRL3_C = 0x12, REG_OUTX_L_G = 0x22;
static const uint8_t CTRL1_XL_416HZ_4G = 0x68;    // ODR 416 Hz (0110), FS +-4 g (10)
static const uint8_t CTRL2_G_416HZ_500DPS = 0x64; // ODR 416 Hz (0110), FS 500 dps (01)
static const uint8_t CTRL3_C_BDU_INC = 0x44;      // block data update, register auto-increment
// Counts of the IMU -> counts of the backmon scale (value = raw / 32768 * range):
// accel 0.122 mg/count * 32768 / 4 g = 0.999424; gyro 17.50 mdps/count * 32768 / 500 dps = 1.146880.
static const float ACCEL_TO_BACKMON = 0.999424f, GYRO_TO_BACKMON = 1.146880f;

LSM6DS3 imu(I2C_MODE, 0x6A);
BLEService service(UUID_SERVICE);
BLECharacteristic dataChr(UUID_DATA), controlChr(UUID_CONTROL), infoChr(UUID_INFO), hapticChr(UUID_HAPTIC);
BLEBas battery;
BLEDis deviceInfo;

// ---- state shared with the BLE callbacks (they only set requests; loop() acts) -------------
static volatile bool startRequested = false, stopRequested = false;
static volatile uint16_t requestedRateHz = 0;
static bool streaming = false;
static uint32_t periodUs = 9615;  // 10^6 / 104, until a start command says otherwise
static uint64_t nextSampleUs = 0;
static uint16_t seq = 0;

// The haptic write is handed from the BLE task to loop() like a seqlock: the callback bumps
// hapticSeq before and after filling the buffer (odd while writing), and loop() copies it and
// keeps the copy only if the sequence was even and unchanged around the copy.
struct Pattern { uint8_t count; uint16_t onMs[MAX_PULSES], offMs[MAX_PULSES]; };
static Pattern hapticBuffer;
static volatile uint32_t hapticSeq = 0;
static volatile bool motorStopRequested = false;
static uint32_t hapticSeen = 0;
static Pattern playing = {0, {0}, {0}};
static uint8_t pulse = 0;       // the pulse being played
static bool motorOn = false;    // in its on phase (else its gap)
static uint32_t phaseEndMs = 0;
// Keeps the compiler from moving the buffer's reads and writes across the sequence updates
// (one core: a compiler barrier is all the seqlock needs).
static inline void barrier() { __asm__ __volatile__("" ::: "memory"); }

static uint8_t packet[HEADER_LEN + MAX_SAMPLES * SAMPLE_LEN];
static uint8_t packetSamples = 0;
static uint64_t packetTimeUs = 0;

// 64-bit microseconds from the 32-bit micros(), which wraps every 71.6 minutes.
static uint64_t micros64() {
  static uint32_t last = 0, high = 0;
  uint32_t now = micros();
  if (now < last) high++;
  last = now;
  return ((uint64_t)high << 32) | now;
}

static void put16(uint8_t *p, uint16_t v) { p[0] = v & 0xFF; p[1] = v >> 8; }
static void put32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (v >> (8 * i)) & 0xFF; }
static void put64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (v >> (8 * i)) & 0xFF; }

static int16_t saturate(float counts) {
  if (counts > 32767.0f) return 32767;
  if (counts < -32768.0f) return -32768;
  return (int16_t)lroundf(counts);
}

static void writeInfo() {
  uint8_t info[8 + 2 * N_RATES];
  info[0] = FORMAT_VERSION;
  info[1] = RANGES;
  info[2] = streaming ? 1 : 0;
  info[3] = N_RATES;
  put32(info + 4, periodUs);
  for (uint8_t i = 0; i < N_RATES; i++) put16(info + 8 + 2 * i, RATES_HZ[i]);
  infoChr.write(info, sizeof(info));
}

static uint16_t nearestRate(uint16_t hz) {
  uint16_t best = RATES_HZ[0];
  for (uint8_t i = 1; i < N_RATES; i++)
    if (abs((int)RATES_HZ[i] - (int)hz) < abs((int)best - (int)hz)) best = RATES_HZ[i];
  return best;
}

// Control writes arrive in the BLE task: record the request only.
static void onControl(uint16_t conn, BLECharacteristic *chr, uint8_t *data, uint16_t len) {
  (void)conn; (void)chr;
  if (len == 1 && data[0] == CTRL_STOP) {
    stopRequested = true;
  } else if (len == 3 && data[0] == CTRL_START) {
    uint16_t hz = data[1] | (data[2] << 8);
    if (hz >= 10 && hz <= 1000) { requestedRateHz = hz; startRequested = true; }
  }
  // 02 <ranges>: this board has fixed ranges (+-4 g, +-500 dps) and ignores it, which the
  // specification allows (the ranges in every packet and in info stay true).
}

// Haptic writes arrive in the BLE task: check them, store them, and let loop() play them.
static void onHaptic(uint16_t conn, BLECharacteristic *chr, uint8_t *data, uint16_t len) {
  (void)conn; (void)chr;
  if (len < 1 || data[0] > MAX_PULSES || len != 1 + 4 * data[0]) return;  // ignored, as the spec says
  Pattern p;
  p.count = data[0];
  for (uint8_t i = 0; i < p.count; i++) {
    p.onMs[i] = data[1 + 4 * i] | (data[2 + 4 * i] << 8);
    p.offMs[i] = data[3 + 4 * i] | (data[4 + 4 * i] << 8);
    if (p.onMs[i] < MIN_ON_MS || p.onMs[i] > MAX_ON_MS || p.offMs[i] > MAX_OFF_MS) return;
  }
  hapticSeq++;  // odd: being written
  barrier();
  hapticBuffer = p;
  barrier();
  hapticSeq++;  // even: complete
}

static void setMotor(bool on) {
  motorOn = on;
  digitalWrite(MOTOR_PIN, on ? HIGH : LOW);
}

// Called every pass of loop(): start a new pattern, or move on when a phase is over. Never waits.
static void serviceMotor() {
  if (motorStopRequested) {  // the link dropped: stop, and drop a pattern not yet started
    motorStopRequested = false;
    hapticSeen = hapticSeq;
    playing.count = 0;
    setMotor(false);
  }
  uint32_t seq = hapticSeq;
  if (seq != hapticSeen && (seq & 1) == 0) {
    barrier();
    Pattern p = hapticBuffer;
    barrier();
    if (hapticSeq == seq) {  // not rewritten while we copied
      hapticSeen = seq;
      playing = p;
      pulse = 0;
      setMotor(false);  // a new pattern replaces the one playing
      if (playing.count > 0) { setMotor(true); phaseEndMs = millis() + playing.onMs[0]; }
    }
  }
  if (pulse >= playing.count || (int32_t)(millis() - phaseEndMs) < 0) return;
  if (motorOn) {                       // on phase over: the gap
    setMotor(false);
    phaseEndMs += playing.offMs[pulse];
  } else if (++pulse < playing.count) {  // gap over: the next pulse
    setMotor(true);
    phaseEndMs += playing.onMs[pulse];
  }
}

static void onConnect(uint16_t conn) {
  BLEConnection *c = Bluefruit.Connection(conn);
  if (c == NULL) return;
  c->requestMtuExchange(247);  // 244-byte notifications: 19 samples each
  c->requestDataLengthUpdate();
}

static void onDisconnect(uint16_t conn, uint8_t reason) {
  (void)conn; (void)reason;
  stopRequested = true;  // wait for a new start command after a reconnect
  motorStopRequested = true;  // and never leave the motor running for a client that has gone
}

static void resetPacket(uint64_t firstSampleUs) {
  packetSamples = 0;
  packetTimeUs = firstSampleUs;
}

// Send the packet being built; false (and keep it) when the stack cannot take it now.
static bool sendPacket() {
  if (packetSamples == 0) return true;
  BLEConnection *conn = Bluefruit.Connection(Bluefruit.connHandle());
  if (conn == NULL || !dataChr.notifyEnabled()) return false;
  uint16_t mtu = conn->getMtu();
  packet[0] = FORMAT_VERSION;
  packet[1] = RANGES;
  put16(packet + 2, seq);
  put64(packet + 4, packetTimeUs);
  put32(packet + 12, periodUs);
  uint16_t len = HEADER_LEN + packetSamples * SAMPLE_LEN;
  if (len > mtu - 3) return false;  // MTU not negotiated (yet): see the specification
  if (!dataChr.notify(packet, len)) return false;
  seq++;  // counts packets handed to the stack, so a gap at the client means one lost on air
  return true;
}

static void readSample(uint8_t *out) {
  uint8_t raw[12];  // gyro x, y, z then accel x, y, z, int16 little-endian
  imu.readRegisterRegion(raw, REG_OUTX_L_G, 12);
  int16_t g[3], a[3];
  for (int i = 0; i < 3; i++) {
    g[i] = (int16_t)(raw[2 * i] | (raw[2 * i + 1] << 8));
    a[i] = (int16_t)(raw[6 + 2 * i] | (raw[6 + 2 * i + 1] << 8));
  }
  for (int i = 0; i < 3; i++) put16(out + 2 * i, (uint16_t)saturate(a[i] * ACCEL_TO_BACKMON));
  for (int i = 0; i < 3; i++) put16(out + 6 + 2 * i, (uint16_t)saturate(g[i] * GYRO_TO_BACKMON));
}

static void startStreaming(uint16_t hz) {
  periodUs = (uint32_t)lroundf(1e6f / nearestRate(hz));
  seq = 0;
  nextSampleUs = micros64();
  resetPacket(nextSampleUs);
  streaming = true;
  writeInfo();
}

static void stopStreaming() {
  streaming = false;
  packetSamples = 0;
  writeInfo();
}

static void updateBattery() {
  // XIAO nRF52840: VBAT through a 1 M / 510 k divider on P0.31, enabled by P0.14 low.
  float volts = analogRead(PIN_VBAT) * (3.0f / 4095.0f) * (1510.0f / 510.0f);
  float percent = (volts - 3.3f) / (4.2f - 3.3f) * 100.0f;  // rough linear LiPo estimate
  percent = percent < 0 ? 0 : (percent > 100 ? 100 : percent);
  battery.write((uint8_t)lroundf(percent));
}

void setup() {
  Serial.begin(115200);
#ifdef PIN_LSM6DS3TR_C_POWER
  pinMode(PIN_LSM6DS3TR_C_POWER, OUTPUT);
  digitalWrite(PIN_LSM6DS3TR_C_POWER, HIGH);
  delay(10);
#endif
  pinMode(MOTOR_PIN, OUTPUT);
  digitalWrite(MOTOR_PIN, LOW);  // the gate's 100 k pull-down keeps it off until here (haptics.md)
  pinMode(VBAT_ENABLE, OUTPUT);
  digitalWrite(VBAT_ENABLE, LOW);
  analogReference(AR_INTERNAL_3_0);
  analogReadResolution(12);

  if (imu.begin() != 0) Serial.println("backmon: IMU not found");
  imu.writeRegister(REG_CTRL3_C, CTRL3_C_BDU_INC);
  imu.writeRegister(REG_CTRL1_XL, CTRL1_XL_416HZ_4G);
  imu.writeRegister(REG_CTRL2_G, CTRL2_G_416HZ_500DPS);

  Bluefruit.configPrphBandwidth(BANDWIDTH_MAX);  // MTU 247, long events, deeper notify queue
  Bluefruit.begin();
  Bluefruit.setName(NAME);
  Bluefruit.setTxPower(4);
  Bluefruit.Periph.setConnInterval(12, 24);  // 15-30 ms, in units of 1.25 ms (connection.md)
  Bluefruit.Periph.setConnectCallback(onConnect);
  Bluefruit.Periph.setDisconnectCallback(onDisconnect);

  deviceInfo.setManufacturer("backmon DIY");
  deviceInfo.setModel("XIAO nRF52840 Sense + LSM6DS3TR-C");
  deviceInfo.setFirmwareRev("backmon-format-1");
  deviceInfo.begin();
  battery.begin();
  updateBattery();

  service.begin();
  dataChr.setProperties(CHR_PROPS_NOTIFY);
  dataChr.setPermission(SECMODE_OPEN, SECMODE_NO_ACCESS);
  dataChr.setMaxLen(HEADER_LEN + MAX_SAMPLES * SAMPLE_LEN);
  dataChr.begin();
  controlChr.setProperties(CHR_PROPS_WRITE);
  controlChr.setPermission(SECMODE_NO_ACCESS, SECMODE_OPEN);
  controlChr.setMaxLen(3);
  controlChr.setWriteCallback(onControl);
  controlChr.begin();
  infoChr.setProperties(CHR_PROPS_READ);
  infoChr.setPermission(SECMODE_OPEN, SECMODE_NO_ACCESS);
  infoChr.setMaxLen(8 + 2 * N_RATES);
  infoChr.begin();
  writeInfo();
  hapticChr.setProperties(CHR_PROPS_WRITE);
  hapticChr.setPermission(SECMODE_NO_ACCESS, SECMODE_OPEN);
  hapticChr.setMaxLen(1 + 4 * MAX_PULSES);
  hapticChr.setWriteCallback(onHaptic);
  hapticChr.begin();

  Bluefruit.Advertising.addFlags(BLE_GAP_ADV_FLAGS_LE_ONLY_GENERAL_DISC_MODE);
  Bluefruit.Advertising.addService(service);  // 128-bit UUID in the advertisement
  Bluefruit.ScanResponse.addName();           // "backmon-..." in the scan response
  Bluefruit.Advertising.restartOnDisconnect(true);
  Bluefruit.Advertising.setInterval(32, 244);  // 20 ms fast, 152.5 ms slow (units of 0.625 ms)
  Bluefruit.Advertising.setFastTimeout(30);
  Bluefruit.Advertising.start(0);
}

void loop() {
  if (stopRequested) { stopRequested = false; startRequested = false; stopStreaming(); }
  if (startRequested) { startRequested = false; startStreaming(requestedRateHz); }
  serviceMotor();  // patterns play whether or not the board is streaming

  static uint32_t lastBatteryMs = 0;
  if (millis() - lastBatteryMs > 60000) { lastBatteryMs = millis(); updateBattery(); }

  if (!streaming) { delay(5); return; }

  uint64_t now = micros64();
  if (now >= nextSampleUs) {
    if (now >= nextSampleUs + periodUs) {
      // Grid points were missed (the radio held us up): close the packet, restart the grid now.
      if (!sendPacket()) packetSamples = 0;  // cannot keep it: its samples are lost, time shows it
      nextSampleUs = now;
      resetPacket(nextSampleUs);
    }
    if (packetSamples == 0) packetTimeUs = nextSampleUs;
    readSample(packet + HEADER_LEN + packetSamples * SAMPLE_LEN);
    packetSamples++;
    nextSampleUs += periodUs;
  }

  // Send when full, or as soon as the oldest sample is BATCH_AGE_US old. A full packet that
  // the stack cannot take is dropped: the jump in device time shows the gap to the client.
  bool full = packetSamples == MAX_SAMPLES;
  bool old = packetSamples > 0 && micros64() - packetTimeUs >= BATCH_AGE_US;
  if ((full || old) && (sendPacket() || full)) resetPacket(nextSampleUs);
  if (micros64() + 1500 < nextSampleUs) delay(1);  // let the CPU sleep between samples
}
