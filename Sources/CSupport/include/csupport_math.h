// libm functions the float kernels call. Declared here rather than through <math.h> so the same
// Swift builds as Embedded Swift for bare targets, where no Glibc module exists; libm provides them
// on every board's libc.
#ifndef ONNX_QUANT_CSUPPORT_MATH_H
#define ONNX_QUANT_CSUPPORT_MATH_H

float expf(float);
float logf(float);
float tanhf(float);
float erff(float);
float powf(float, float);
float sinf(float);
float cosf(float);
float fmodf(float, float);
float log1pf(float);
float expm1f(float);
double exp(double);
double log(double);
double pow(double, double);
double fmod(double, double);

#endif
