//! Shapes of up to four dimensions, and the error every shape mismatch reports.

use std::fmt;

/// The most dimensions a tensor has: (B, T, C) activations plus one more (e.g. heads).
pub const MAX_DIMS: usize = 4;

/// The dimensions of a row-major tensor: rank 0 (a scalar) to [`MAX_DIMS`].
///
/// Its element count always fits in `usize` (checked on construction).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Shape {
    dims: [usize; MAX_DIMS],
    rank: usize,
}

impl Shape {
    /// The shape with these dimensions, or an error if there are more than [`MAX_DIMS`] or
    /// the element count overflows `usize`.
    pub fn new(dims: &[usize]) -> Result<Shape, ShapeError> {
        if dims.len() > MAX_DIMS {
            return Err(ShapeError::TooManyDims {
                dims: dims.to_vec(),
            });
        }
        if dims
            .iter()
            .try_fold(1usize, |n, &d| n.checked_mul(d))
            .is_none()
        {
            return Err(ShapeError::Overflow {
                dims: dims.to_vec(),
            });
        }
        let mut all = [0; MAX_DIMS];
        all[..dims.len()].copy_from_slice(dims);
        Ok(Shape {
            dims: all,
            rank: dims.len(),
        })
    }

    /// The dimensions, outermost first.
    pub fn dims(&self) -> &[usize] {
        &self.dims[..self.rank]
    }

    /// The number of dimensions.
    pub fn rank(&self) -> usize {
        self.rank
    }

    /// The number of elements (1 for a scalar).
    pub fn len(&self) -> usize {
        self.dims().iter().product()
    }

    /// Whether the shape holds no element (some dimension is 0).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row-major strides in elements: the last dimension is contiguous.
    pub fn strides(&self) -> [usize; MAX_DIMS] {
        let mut strides = [0; MAX_DIMS];
        let mut step = 1;
        for axis in (0..self.rank).rev() {
            strides[axis] = step;
            step *= self.dims[axis];
        }
        strides
    }

    /// The shape without its first dimension (the shape of one "row"), or `None` for a scalar.
    pub fn inner(&self) -> Option<Shape> {
        let (_, rest) = self.dims().split_first()?;
        Some(Shape::new(rest).expect("a suffix of a valid shape is valid"))
    }

    /// The same shape with the first dimension replaced by `first`, or `None` for a scalar.
    /// `first` may not exceed the first dimension (so the element count cannot overflow).
    pub(crate) fn with_first(&self, first: usize) -> Option<Shape> {
        if self.rank == 0 || first > self.dims[0] {
            return None;
        }
        let mut shape = *self;
        shape.dims[0] = first;
        Some(shape)
    }

    /// The flat offset of a multi-index, or `None` when the rank differs or an index is out of
    /// range.
    pub fn offset(&self, index: &[usize]) -> Option<usize> {
        if index.len() != self.rank {
            return None;
        }
        let strides = self.strides();
        let mut offset = 0;
        for (axis, &i) in index.iter().enumerate() {
            if i >= self.dims[axis] {
                return None;
            }
            offset += i * strides[axis];
        }
        Some(offset)
    }
}

impl fmt::Display for Shape {
    /// `(2, 3)`, `(5,)` or `()`: Python's tuple notation, as in the papers' shape comments.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.dims() {
            [] => f.write_str("()"),
            [d] => write!(f, "({d},)"),
            dims => {
                let parts: Vec<String> = dims.iter().map(usize::to_string).collect();
                write!(f, "({})", parts.join(", "))
            }
        }
    }
}

impl fmt::Debug for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Shape{self}")
    }
}

/// A shape that does not fit what an operation needs. Its message names the shapes involved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShapeError {
    /// More than [`MAX_DIMS`] dimensions.
    TooManyDims {
        /// The dimensions asked for.
        dims: Vec<usize>,
    },
    /// The element count does not fit in `usize`.
    Overflow {
        /// The dimensions asked for.
        dims: Vec<usize>,
    },
    /// A buffer of `len` elements cannot hold `shape`.
    Length {
        /// The shape asked for.
        shape: Shape,
        /// The buffer's element count.
        len: usize,
    },
    /// Reshaping changes the element count.
    Reshape {
        /// The shape of the tensor.
        from: Shape,
        /// The shape asked for.
        to: Shape,
    },
    /// C = A·B needs A (m, k), B (k, n) and C (m, n).
    Matmul {
        /// The left operand's shape.
        a: Shape,
        /// The right operand's shape.
        b: Shape,
        /// The output's shape.
        c: Shape,
    },
}

impl fmt::Display for ShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShapeError::TooManyDims { dims } => write!(
                f,
                "shape {dims:?} has {} dimensions; at most {MAX_DIMS} are supported",
                dims.len()
            ),
            ShapeError::Overflow { dims } => {
                write!(f, "shape {dims:?} has more elements than fit in memory")
            }
            ShapeError::Length { shape, len } => write!(
                f,
                "shape {shape} needs {} elements but the buffer has {len}",
                shape.len()
            ),
            ShapeError::Reshape { from, to } => write!(
                f,
                "cannot reshape {from} ({} elements) into {to} ({} elements)",
                from.len(),
                to.len()
            ),
            ShapeError::Matmul { a, b, c } => write!(
                f,
                "matmul needs A (m, k), B (k, n) and C (m, n); got A {a}, B {b}, C {c}"
            ),
        }
    }
}

impl std::error::Error for ShapeError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_strides_and_offsets() {
        let s = Shape::new(&[2, 3, 4]).unwrap();
        assert_eq!((s.rank(), s.len()), (3, 24));
        assert_eq!(s.strides()[..3], [12, 4, 1]);
        assert_eq!(s.offset(&[1, 2, 3]), Some(23));
        assert_eq!(s.offset(&[2, 0, 0]), None);
        assert_eq!(s.offset(&[1, 2]), None);
        assert_eq!(s.inner().unwrap().dims(), &[3, 4]);

        let scalar = Shape::new(&[]).unwrap();
        assert_eq!((scalar.len(), scalar.offset(&[])), (1, Some(0)));
        assert_eq!(scalar.inner(), None);
        assert!(Shape::new(&[3, 0]).unwrap().is_empty());
    }

    #[test]
    fn bad_shapes_are_errors() {
        let err = Shape::new(&[1, 2, 3, 4, 5]).unwrap_err();
        assert!(err.to_string().contains("[1, 2, 3, 4, 5]"), "{err}");
        let err = Shape::new(&[usize::MAX, 2]).unwrap_err();
        assert!(matches!(err, ShapeError::Overflow { .. }));
    }

    #[test]
    fn displays_like_python_tuples() {
        assert_eq!(Shape::new(&[]).unwrap().to_string(), "()");
        assert_eq!(Shape::new(&[5]).unwrap().to_string(), "(5,)");
        assert_eq!(Shape::new(&[2, 3]).unwrap().to_string(), "(2, 3)");
        let err = ShapeError::Reshape {
            from: Shape::new(&[2, 3]).unwrap(),
            to: Shape::new(&[4]).unwrap(),
        };
        assert_eq!(
            err.to_string(),
            "cannot reshape (2, 3) (6 elements) into (4,) (4 elements)"
        );
    }
}
