import FlarModels
