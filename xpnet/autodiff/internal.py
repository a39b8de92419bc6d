"""What the rest of xpnet uses of the graph core beyond the public autodiff functions.

The declared internal interface of ``xpnet.autodiff``: the tensor core (``TensorBase``,
the fast constructor ``wrap``, ``alias`` and the version cells that in-place changes
move). Users meet ``xpnet.Tensor`` and should not need this module.
"""

from ._anomaly import is_anomaly_enabled as is_anomaly_enabled
from ._anomaly import reset_anomaly as reset_anomaly
from ._anomaly import set_anomaly as set_anomaly
from ._engine import boundary as boundary
from ._engine import vertex as vertex
from ._tensor_base import VERSION as VERSION
from ._tensor_base import TensorBase as TensorBase
from ._tensor_base import alias as alias
from ._tensor_base import cell as cell
from ._tensor_base import is_tensor as is_tensor
from ._tensor_base import set_tensor_class as set_tensor_class
from ._tensor_base import wrap as wrap
