// kernels.hpp — the compute loops of the example_cpu backend: every compute
// slot of plugin_abi.h (fill, map, zip, reduce, matmul, conv1d, conv2d) as
// plain loops over strided host views, each running the SDK's argument
// check first.
// Deliberately not fast (no threads, no blocking, no SIMD): it is the smallest
// complete backend, meant to be read and copied. Memory slots: plugin.cpp.
#pragma once

#include <minitorch/plugin_abi.h>
#include <minitorch/plugin_helpers.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

namespace example_cpu {

using mt::sdk::Error;

// ---------------------------------------------------------------------------
// Argument checks: the SDK's, the same ones every in-tree backend runs. The
// header says what a call may contain; anything else is refused with a
// status and a message naming what was wrong (MT_ERR_UNSUPPORTED for an op
// or dtype the table does not know, MT_ERR_INVALID_ARG for a view that
// breaks the contract), so a bug in the caller surfaces as an error instead
// of a stray write. This plugin keeps no table of its allocations, so it
// passes UntrackedBuffers: every check runs but "the view fits its buffer".
// ---------------------------------------------------------------------------

using Buffers = mt::sdk::UntrackedBuffers;

// ---------------------------------------------------------------------------
// Arithmetic. Every op is computed in double and rounded once when stored
// (mt::sdk::round_to): the simplest way to be as accurate as the reference,
// which works in f64.
// ---------------------------------------------------------------------------

template <class T>
T to_dtype(double x) {
  return mt::sdk::round_to<T>(x);
}

// Element (position) of a view's buffer, in elements.
template <class T>
T* element(const mt_view& v, int64_t position) {
  return static_cast<T*>(v.buffer) + position;
}

// The stride of the innermost dim (rows of mt::sdk::for_each_row run along it).
inline int64_t inner_stride(const mt_view& v) {
  return v.ndim > 0 ? v.strides[v.ndim - 1] : 0;
}

// ---------------------------------------------------------------------------
// Element-wise slots
// ---------------------------------------------------------------------------

inline void fill(const mt_view* out, double value) {
  mt::sdk::check_fill_args(Buffers{}, out);
  mt::sdk::dispatch_dtype(out->dtype, [&](auto zero) {
    using T = decltype(zero);
    const T v = to_dtype<T>(value);
    const int64_t* const strides[1] = {out->strides};
    const int64_t base[1] = {out->offset};
    const int64_t step = inner_stride(*out);
    mt::sdk::for_each_row<1>(out->ndim, out->shape, strides, base,
                             [&](int64_t n, const int64_t(&at)[1]) {
                               for (int64_t i = 0; i < n; ++i)
                                 *element<T>(*out, at[0] + i * step) = v;
                             });
  });
}

// An in-place call (out is the same view as in) is safe: each element is
// read before it is written, and no other element depends on it.
inline void map(int32_t op, const mt_view* out, const mt_view* in) {
  mt::sdk::check_map_args(Buffers{}, op, out, in);
  mt::sdk::dispatch_dtype(out->dtype, [&](auto zero) {
    using T = decltype(zero);
    const int64_t* const strides[2] = {out->strides, in->strides};
    const int64_t base[2] = {out->offset, in->offset};
    const int64_t so = inner_stride(*out), si = inner_stride(*in);
    mt::sdk::for_each_row<2>(
        out->ndim, out->shape, strides, base, [&](int64_t n, const int64_t(&at)[2]) {
          for (int64_t i = 0; i < n; ++i) {
            const double x = *element<T>(*in, at[1] + i * si);
            *element<T>(*out, at[0] + i * so) = to_dtype<T>(mt::sdk::apply_map<double>(op, x));
          }
        });
  });
}

inline void zip(int32_t op, const mt_view* out, const mt_view* a, const mt_view* b) {
  mt::sdk::check_zip_args(Buffers{}, op, out, a, b);
  mt::sdk::dispatch_dtype(out->dtype, [&](auto zero) {
    using T = decltype(zero);
    const int64_t* const strides[3] = {out->strides, a->strides, b->strides};
    const int64_t base[3] = {out->offset, a->offset, b->offset};
    const int64_t so = inner_stride(*out), sa = inner_stride(*a), sb = inner_stride(*b);
    mt::sdk::for_each_row<3>(
        out->ndim, out->shape, strides, base, [&](int64_t n, const int64_t(&at)[3]) {
          for (int64_t i = 0; i < n; ++i) {
            const double x = *element<T>(*a, at[1] + i * sa);
            const double y = *element<T>(*b, at[2] + i * sb);
            *element<T>(*out, at[0] + i * so) = to_dtype<T>(mt::sdk::apply_zip<double>(op, x, y));
          }
        });
  });
}

// ---------------------------------------------------------------------------
// Reduction: walk every output element, and for each one the reduced dim of
// the input. out has in's shape with shape[dim] == 1, so the same index walk
// positions both views (the reduced dim contributes index 0).
// ---------------------------------------------------------------------------

inline void reduce(int32_t op, const mt_view* out, const mt_view* in, int32_t dim) {
  mt::sdk::check_reduce_args(Buffers{}, op, out, in, dim);
  mt::sdk::dispatch_dtype(out->dtype, [&](auto zero) {
    using T = decltype(zero);
    const int64_t* const strides[2] = {out->strides, in->strides};
    const int64_t base[2] = {out->offset, in->offset};
    const int64_t so = inner_stride(*out), si = inner_stride(*in);
    const int64_t length = in->shape[dim], step = in->strides[dim];
    mt::sdk::for_each_row<2>(
        out->ndim, out->shape, strides, base, [&](int64_t n, const int64_t(&at)[2]) {
          for (int64_t i = 0; i < n; ++i) {
            double acc = mt::sdk::reduce_start<double>(op);
            const int64_t first = at[1] + i * si;
            for (int64_t k = 0; k < length; ++k)
              acc = mt::sdk::reduce_combine<double>(op, acc, *element<T>(*in, first + k * step));
            *element<T>(*out, at[0] + i * so) = to_dtype<T>(acc);
          }
        });
  });
}

// ---------------------------------------------------------------------------
// Matrix product: a (B, M, K) x b (B, K, N) -> out (B, M, N). A broadcast
// batch arrives with batch stride 0, so the loops need no special case.
// ---------------------------------------------------------------------------

inline void matmul(const mt_view* out, const mt_view* a, const mt_view* b) {
  mt::sdk::check_matmul_args(Buffers{}, out, a, b);
  const int64_t batch = out->shape[0], m = out->shape[1], n = out->shape[2], k = a->shape[2];
  mt::sdk::dispatch_dtype(out->dtype, [&](auto zero) {
    using T = decltype(zero);
    for (int64_t z = 0; z < batch; ++z)
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) {
          double acc = 0.0;
          for (int64_t p = 0; p < k; ++p) {
            const double x = *element<T>(
                *a, a->offset + z * a->strides[0] + i * a->strides[1] + p * a->strides[2]);
            const double y = *element<T>(
                *b, b->offset + z * b->strides[0] + p * b->strides[1] + j * b->strides[2]);
            acc += x * y;
          }
          *element<T>(*out, out->offset + z * out->strides[0] + i * out->strides[1] +
                                j * out->strides[2]) = to_dtype<T>(acc);
        }
  });
}

// ---------------------------------------------------------------------------
// Convolutions, MiniTorch layout. The output's spatial size comes from `out`
// (it need not equal the input's); input terms outside the input count as 0.
// `reverse` walks the kernel backwards (in[t - k] instead of in[t + k]),
// which is what the input gradient needs.
// ---------------------------------------------------------------------------

inline void conv1d(const mt_view* out, const mt_view* in, const mt_view* weight, int32_t reverse) {
  mt::sdk::check_conv_args(Buffers{}, 3, out, in, weight);
  const int64_t batch = out->shape[0], cout = out->shape[1], width_out = out->shape[2];
  const int64_t cin = in->shape[1], width = in->shape[2], kw = weight->shape[2];
  mt::sdk::dispatch_dtype(out->dtype, [&](auto zero) {
    using T = decltype(zero);
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t o = 0; o < cout; ++o)
        for (int64_t t = 0; t < width_out; ++t) {
          double acc = 0.0;
          for (int64_t c = 0; c < cin; ++c)
            for (int64_t k = 0; k < kw; ++k) {
              const int64_t x = reverse ? t - k : t + k;
              if (x < 0 || x >= width)
                continue;
              acc += static_cast<double>(*element<T>(*in, in->offset + b * in->strides[0] +
                                                              c * in->strides[1] +
                                                              x * in->strides[2])) *
                     static_cast<double>(
                         *element<T>(*weight, weight->offset + o * weight->strides[0] +
                                                  c * weight->strides[1] + k * weight->strides[2]));
            }
          *element<T>(*out, out->offset + b * out->strides[0] + o * out->strides[1] +
                                t * out->strides[2]) = to_dtype<T>(acc);
        }
  });
}

inline void conv2d(const mt_view* out, const mt_view* in, const mt_view* weight, int32_t reverse) {
  mt::sdk::check_conv_args(Buffers{}, 4, out, in, weight);
  const int64_t batch = out->shape[0], cout = out->shape[1];
  const int64_t height_out = out->shape[2], width_out = out->shape[3];
  const int64_t cin = in->shape[1], height = in->shape[2], width = in->shape[3];
  const int64_t kh = weight->shape[2], kw = weight->shape[3];
  const int64_t* is = in->strides;
  const int64_t* ws = weight->strides;
  const int64_t* os = out->strides;
  mt::sdk::dispatch_dtype(out->dtype, [&](auto zero) {
    using T = decltype(zero);
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t o = 0; o < cout; ++o)
        for (int64_t i = 0; i < height_out; ++i)
          for (int64_t j = 0; j < width_out; ++j) {
            double acc = 0.0;
            for (int64_t c = 0; c < cin; ++c)
              for (int64_t ki = 0; ki < kh; ++ki) {
                const int64_t y = reverse ? i - ki : i + ki;
                if (y < 0 || y >= height)
                  continue;
                for (int64_t kj = 0; kj < kw; ++kj) {
                  const int64_t x = reverse ? j - kj : j + kj;
                  if (x < 0 || x >= width)
                    continue;
                  const double v =
                      *element<T>(*in, in->offset + b * is[0] + c * is[1] + y * is[2] + x * is[3]);
                  const double w = *element<T>(
                      *weight, weight->offset + o * ws[0] + c * ws[1] + ki * ws[2] + kj * ws[3]);
                  acc += v * w;
                }
              }
            *element<T>(*out, out->offset + b * os[0] + o * os[1] + i * os[2] + j * os[3]) =
                to_dtype<T>(acc);
          }
  });
}

// ABI 1.1: one optimizer step over `count` contiguous parameters, in place,
// with the SDK's per-element update (the formula in plugin_abi.h).
inline void optim_step(const mt_optim_step* step, int32_t count, const mt_view* params,
                       const mt_view* grads, const mt_view* state0, const mt_view* state1) {
  mt::sdk::check_optim_step_args(Buffers{}, step, count, params, grads, state0, state1);
  if (count == 0)
    return;
  const bool uses0 = mt::sdk::optim_uses_state0(*step), uses1 = mt::sdk::optim_uses_state1(*step);
  mt::sdk::dispatch_dtype(params[0].dtype, [&](auto zero) {
    using T = decltype(zero);
    const mt::sdk::OptimCoefficients<T> c = mt::sdk::optim_coefficients<T>(*step);
    mt::sdk::dispatch_optim_kind(step->kind, [&](auto kind) {
      for (int32_t i = 0; i < count; ++i) {
        T* p = mt::sdk::typed_data<T>(params[i]);
        const T* g = mt::sdk::typed_data<T>(grads[i]);
        for (int64_t k = 0; k < mt::sdk::element_count(params[i]); ++k) {
          T unused0{}, unused1{};
          T& b0 = uses0 ? mt::sdk::typed_data<T>(state0[i])[k] : unused0;
          T& b1 = uses1 ? mt::sdk::typed_data<T>(state1[i])[k] : unused1;
          mt::sdk::optim_update<T, decltype(kind)::value>(c, p[k], g[k], b0, b1);
        }
      }
    });
  });
}

}  // namespace example_cpu
