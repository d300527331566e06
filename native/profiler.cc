// holmes-node's CPU profiler addon: one V8 CpuProfiler per isolate, created in eager logging mode when holmes-node
// starts and kept until the environment is torn down, so a profile started much later still names hot functions
// running code that V8 optimized (inlined, on-stack-replaced) before the profile. Only what holmes-node needs:
// create, start, stop, and the profile built once, straight in DevTools' .cpuprofile shape (what node:inspector
// gives: 0-based positions, -1 = none, scriptId a string, positionTicks); only script paths are left to JS, which
// names them by file:// URL as inspector does.
#include <node.h>
#include <v8-profiler.h>

#include <cstdint>
#include <set>
#include <string>

namespace {

using v8::Array;
using v8::Context;
using v8::CpuProfile;
using v8::CpuProfileNode;
using v8::CpuProfiler;
using v8::CpuProfilingOptions;
using v8::CpuProfilingResult;
using v8::CpuProfilingStatus;
using v8::FunctionCallbackInfo;
using v8::Integer;
using v8::Isolate;
using v8::Local;
using v8::Number;
using v8::Object;
using v8::String;
using v8::Value;

// One per addon instance (main thread or worker), freed with its environment.
struct State {
  CpuProfiler* profiler = nullptr;
  // profiles started and not stopped: V8 disposes a profiler without stopping its sampler thread, which then
  // crashes the process ("pure virtual method called") when one is still running at exit
  std::set<v8::ProfilerId> running;
};

void Throw(Isolate* isolate, const char* message) {
  isolate->ThrowException(v8::Exception::Error(String::NewFromUtf8(isolate, message).ToLocalChecked()));
}

// V8 14 (Node 26) tags external pointers; the untagged accessors are deprecated there and absent before.
#if V8_MAJOR_VERSION >= 14
#define HOLMES_EXTERNAL_TAG , v8::kExternalPointerTypeTagDefault
#define HOLMES_EXTERNAL_TAG_ONLY v8::kExternalPointerTypeTagDefault
#else
#define HOLMES_EXTERNAL_TAG
#define HOLMES_EXTERNAL_TAG_ONLY
#endif

State* StateOf(const FunctionCallbackInfo<Value>& info) {
  return static_cast<State*>(info.Data().As<v8::External>()->Value(HOLMES_EXTERNAL_TAG_ONLY));
}

// Context::GetIsolate is gone in V8 14: the isolate is passed along.
void Set(Isolate* isolate, Local<Context> context, Local<Object> object, const char* key, Local<Value> value) {
  object->Set(context, String::NewFromUtf8(isolate, key).ToLocalChecked(), value).FromMaybe(false);
}

// create(eager: boolean): creates the profiler once; true when it was created now.
void Create(const FunctionCallbackInfo<Value>& info) {
  State* state = StateOf(info);
  if (state->profiler != nullptr) {
    info.GetReturnValue().Set(false);
    return;
  }
  Isolate* isolate = info.GetIsolate();
  bool eager = info.Length() > 0 && info[0]->BooleanValue(isolate);
  state->profiler = CpuProfiler::New(isolate, v8::kDebugNaming, eager ? v8::kEagerLogging : v8::kLazyLogging);
  info.GetReturnValue().Set(true);
}

// start(intervalMicros: number, setBaseInterval: boolean): profile id. The base interval may only change while no
// profile runs; each profile also asks for its own interval (V8 samples at the common divisor).
void Start(const FunctionCallbackInfo<Value>& info) {
  State* state = StateOf(info);
  Isolate* isolate = info.GetIsolate();
  if (state->profiler == nullptr) return Throw(isolate, "the profiler was not created");
  Local<Context> context = isolate->GetCurrentContext();
  int interval = info[0]->Int32Value(context).FromMaybe(1000);
  if (interval < 1) interval = 1;
  if (info[1]->BooleanValue(isolate)) state->profiler->SetSamplingInterval(interval);
  CpuProfilingResult result = state->profiler->Start(
      CpuProfilingOptions(v8::kLeafNodeLineNumbers, CpuProfilingOptions::kNoSampleLimit, interval));
  if (result.status == CpuProfilingStatus::kErrorTooManyProfilers) return Throw(isolate, "too many CPU profiles running");
  if (result.status == CpuProfilingStatus::kStarted) state->running.insert(result.id);
  info.GetReturnValue().Set(Number::New(isolate, static_cast<double>(result.id)));
}

// V8 numbers lines and columns from 1, with 0 for "none"; DevTools from 0, with -1.
Local<Integer> DevtoolsPosition(Isolate* isolate, int position) {
  return Integer::New(isolate, position > 0 ? position - 1 : -1);
}

// One node of the call tree, as DevTools has it: { id, callFrame, hitCount, children, positionTicks? }.
Local<Object> NodeObject(Isolate* isolate, Local<Context> context, const CpuProfileNode* node) {
  Local<Object> frame = Object::New(isolate);
  Set(isolate, context, frame, "functionName", node->GetFunctionName());
  Set(isolate, context, frame, "scriptId", String::NewFromUtf8(isolate, std::to_string(node->GetScriptId()).c_str()).ToLocalChecked());
  Set(isolate, context, frame, "url", node->GetScriptResourceName());
  Set(isolate, context, frame, "lineNumber", DevtoolsPosition(isolate, node->GetLineNumber()));
  Set(isolate, context, frame, "columnNumber", DevtoolsPosition(isolate, node->GetColumnNumber()));

  Local<Object> result = Object::New(isolate);
  Set(isolate, context, result, "id", Integer::NewFromUnsigned(isolate, node->GetNodeId()));
  Set(isolate, context, result, "callFrame", frame);
  Set(isolate, context, result, "hitCount", Integer::NewFromUnsigned(isolate, node->GetHitCount()));
  int count = node->GetChildrenCount();
  Local<Array> children = Array::New(isolate, count);
  for (int i = 0; i < count; i++) {
    children->Set(context, i, Integer::NewFromUnsigned(isolate, node->GetChild(i)->GetNodeId())).FromMaybe(false);
  }
  Set(isolate, context, result, "children", children);

  // samples per source line of the function; lines stay 1-based, as DevTools has them here
  unsigned int lines = node->GetHitLineCount();
  if (lines > 0) {
    auto* ticks = new CpuProfileNode::LineTick[lines];
    if (node->GetLineTicks(ticks, lines)) {
      Local<Array> list = Array::New(isolate, static_cast<int>(lines));
      for (unsigned int i = 0; i < lines; i++) {
        Local<Object> tick = Object::New(isolate);
        Set(isolate, context, tick, "line", Integer::New(isolate, ticks[i].line));
        Set(isolate, context, tick, "ticks", Integer::NewFromUnsigned(isolate, ticks[i].hit_count));
        list->Set(context, i, tick).FromMaybe(false);
      }
      Set(isolate, context, result, "positionTicks", list);
    }
    delete[] ticks;
  }
  return result;
}

void AddNodes(Isolate* isolate, Local<Context> context, const CpuProfileNode* node, Local<Array> nodes) {
  nodes->Set(context, nodes->Length(), NodeObject(isolate, context, node)).FromMaybe(false);
  int count = node->GetChildrenCount();
  for (int i = 0; i < count; i++) AddNodes(isolate, context, node->GetChild(i), nodes);
}

// stop(id: number): { nodes, startTime, endTime, samples, timeDeltas } (µs), or undefined for an unknown id.
void Stop(const FunctionCallbackInfo<Value>& info) {
  State* state = StateOf(info);
  Isolate* isolate = info.GetIsolate();
  if (state->profiler == nullptr) return Throw(isolate, "the profiler was not created");
  Local<Context> context = isolate->GetCurrentContext();
  double id = info[0]->NumberValue(context).FromMaybe(0);
  auto found = state->running.find(static_cast<v8::ProfilerId>(id));
  if (found == state->running.end()) return;
  state->running.erase(found);
  CpuProfile* profile = state->profiler->Stop(static_cast<v8::ProfilerId>(id));
  if (profile == nullptr) return;

  Local<Array> nodes = Array::New(isolate);
  AddNodes(isolate, context, profile->GetTopDownRoot(), nodes);
  int count = profile->GetSamplesCount();
  Local<Array> samples = Array::New(isolate, count);
  Local<Array> deltas = Array::New(isolate, count);
  int64_t previous = profile->GetStartTime();
  for (int i = 0; i < count; i++) {
    samples->Set(context, i, Integer::NewFromUnsigned(isolate, profile->GetSample(i)->GetNodeId())).FromMaybe(false);
    int64_t timestamp = profile->GetSampleTimestamp(i);
    deltas->Set(context, i, Number::New(isolate, static_cast<double>(timestamp - previous))).FromMaybe(false);
    previous = timestamp;
  }
  Local<Object> result = Object::New(isolate);
  Set(isolate, context, result, "nodes", nodes);
  Set(isolate, context, result, "startTime", Number::New(isolate, static_cast<double>(profile->GetStartTime())));
  Set(isolate, context, result, "endTime", Number::New(isolate, static_cast<double>(profile->GetEndTime())));
  Set(isolate, context, result, "samples", samples);
  Set(isolate, context, result, "timeDeltas", deltas);
  profile->Delete();
  info.GetReturnValue().Set(result);
}

void Cleanup(void* data) {
  State* state = static_cast<State*>(data);
  if (state->profiler != nullptr) {
    for (v8::ProfilerId id : state->running) {
      CpuProfile* profile = state->profiler->Stop(id);
      if (profile != nullptr) profile->Delete();
    }
    state->profiler->Dispose();
  }
  delete state;
}

}  // namespace

NODE_MODULE_INIT(/* exports, module, context */) {
  Isolate* isolate = v8::Isolate::GetCurrent();
  State* state = new State();
  node::AddEnvironmentCleanupHook(isolate, Cleanup, state);
  Local<v8::External> data = v8::External::New(isolate, state HOLMES_EXTERNAL_TAG);
  auto add = [&](const char* name, v8::FunctionCallback callback) {
    Local<v8::Function> fn = v8::FunctionTemplate::New(isolate, callback, data)->GetFunction(context).ToLocalChecked();
    Set(isolate, context, exports, name, fn);
  };
  add("create", Create);
  add("start", Start);
  add("stop", Stop);
}
