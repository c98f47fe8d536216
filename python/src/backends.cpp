// backends.cpp — backends for Python: mt::Backend bound as MiniTorch's
// TensorBackend, built from an ops class (SimpleOps, FastOps, CudaOps) or a
// plugin name, always through the CLI's registry. It loads nothing itself.
#include "bindings.hpp"

#include <pybind11/stl.h>

namespace mt::python {

namespace {

// The Python front end's default backend, chosen on first use.
BackendPtr g_default_backend;

BackendPtr python_default_backend() {
  if (!g_default_backend) {
    g_default_backend = load_backend("reference");
    set_default_backend(g_default_backend);
  }
  return g_default_backend;
}

// The plugin an ops class stands for: its `backend_name` attribute.
std::string backend_name_of(const py::object& ops) {
  if (py::isinstance<py::str>(ops)) {
    return ops.cast<std::string>();
  }
  if (!py::hasattr(ops, "backend_name")) {
    throw py::type_error(
        "TensorBackend(ops): ops must be SimpleOps, FastOps, CudaOps (or a class "
        "with a backend_name attribute) or a plugin name; got " +
        std::string(py::repr(ops)));
  }
  return ops.attr("backend_name").cast<std::string>();
}

}  // namespace

BackendPtr resolve_backend(const py::object& backend) {
  if (backend.is_none()) {
    return python_default_backend();
  }
  if (py::isinstance<Backend>(backend)) {
    return backend.cast<BackendPtr>();
  }
  if (py::isinstance<py::str>(backend)) {
    return load_backend(backend.cast<std::string>());
  }
  throw py::type_error("backend must be a TensorBackend, a plugin name or None; got " +
                       type_name(backend) + " " + std::string(py::repr(backend)));
}

void bind_backends(py::module_& m) {
  py::class_<Backend, BackendPtr>(m, "TensorBackend", R"doc(
A compute backend: a plugin loaded by the registry (the same one the CLI uses).
TensorBackend(SimpleOps) is "reference", TensorBackend(FastOps) "parallel",
TensorBackend(CudaOps) "cuda"; TensorBackend("name") loads any plugin. A backend
that is missing or not usable here raises LoadError with the loader's reason.)doc")
      .def(py::init([](const py::object& ops) { return load_backend(backend_name_of(ops)); }),
           py::arg("ops"))
      .def_property_readonly("name", &Backend::name)
      .def_property_readonly("version", &Backend::version)
      .def_property_readonly("device",
                             [](const Backend& b) { return device_kind_name(b.device()); })
      .def_property_readonly("cuda",
                             [](const Backend& b) { return b.device() == DeviceKind::cuda; })
      .def_property_readonly("path", [](const Backend& b) { return b.path().string(); })
      .def_property_readonly("usable", &Backend::usable)
      .def_property_readonly(
          "note", &Backend::note,
          "The plugin's note on its configuration (e.g. isa and threads), or \"\".")
      .def("__repr__", [](const Backend& b) {
        return "TensorBackend(\"" + b.name() + "\", version " + b.version() + ", " +
               device_kind_name(b.device()) + ")";
      });

  m.def(
      "backend", [](const std::string& name) { return load_backend(name); }, py::arg("name"),
      "Loads the backend plugin `name` (\"reference\", \"parallel\", \"cuda\", \"auto\", ...).");
  m.def(
      "set_default_backend",
      [](const py::object& backend) {
        BackendPtr chosen = resolve_backend(backend);
        g_default_backend = chosen;
        mt::set_default_backend(chosen);
      },
      py::arg("backend"), "The backend used when a constructor is given backend=None.");
  m.def(
      "default_backend", [] { return python_default_backend(); },
      "The backend used when a constructor is given backend=None (\"reference\" at first).");
  m.def(
      "backends",
      [] {
        // One dict per candidate the registry found, as `minitorch backends` lists them.
        py::list out;
        for (const LoadRecord& record : BackendRegistry::global().report()) {
          py::dict row;
          row["name"] = record.name;
          row["path"] = record.path.string();
          row["outcome"] = outcome_name(record.outcome);
          row["device"] = record.device;
          row["reason"] = record.reason;
          row["note"] = record.note;
          out.append(row);
        }
        return out;
      },
      "The registry's load report: name, path, outcome (loaded, not_usable, failed, "
      "shadowed), device, reason and note for every plugin candidate.");
}

}  // namespace mt::python
